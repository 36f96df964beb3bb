import { runMigrations } from '../../libs/db/src/migrate';
import {
  recreateTemplateDatabase,
  startEphemeralPostgres,
  startEphemeralRedis,
  type RunningService,
} from '../../libs/testing/src';

declare global {
  var __berthServices: RunningService[] | undefined;
}

/**
 * Starts the real Postgres and Redis that the integration and end-to-end suites use, unless the run
 * was given its own (BERTH_TEST_PG_ADMIN_URL and BERTH_TEST_REDIS_URL), then migrates the template
 * database that every suite copies. Jest runs this once per project; the env flag makes it once per run.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.BERTH_TEST_SERVICES_READY === '1') return;
  const started: RunningService[] = [];
  if (!process.env.BERTH_TEST_PG_ADMIN_URL) {
    const pg = await startEphemeralPostgres();
    started.push(pg);
    process.env.BERTH_TEST_PG_ADMIN_URL = pg.url;
  }
  if (!process.env.BERTH_TEST_REDIS_URL) {
    const redis = await startEphemeralRedis();
    started.push(redis);
    process.env.BERTH_TEST_REDIS_URL = redis.url;
  }
  globalThis.__berthServices = started;
  const templateUrl = await recreateTemplateDatabase(process.env.BERTH_TEST_PG_ADMIN_URL);
  await runMigrations(templateUrl);
  process.env.BERTH_TEST_SERVICES_READY = '1';
}
