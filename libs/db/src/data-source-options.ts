import type { DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '../../../migrations';
import { ALL_ENTITIES } from './entities';

/** The one way berth connects to Postgres: entities and migrations, never `synchronize`. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // READ COMMITTED is what inTransaction relies on, said once per connection rather than per transaction.
    extra: { max: 20, options: '-c default_transaction_isolation=read\\ committed' },
  };
}
