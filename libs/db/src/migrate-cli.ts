import { loadDatabaseUrl } from '@berth/config';
import { runMigrations } from './migrate';

/** `npm run migrate`: applies pending migrations to the database the API is configured for. */
runMigrations(loadDatabaseUrl()).then(
  (applied) => {
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
  },
  (err: unknown) => {
    console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
