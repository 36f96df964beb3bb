import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEMPLATE_DATABASE = 'berth_template';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** (Re)creates the template database that every test database is copied from; returns its URL. */
export async function recreateTemplateDatabase(adminUrl: string): Promise<string> {
  await admin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await c.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  return withDatabase(adminUrl, TEMPLATE_DATABASE);
}

/**
 * A fresh database for one test file, copied from the migrated template (fast: no migrations to run).
 * Files never share a database, so a stack's hosts and placements cannot leak into another file's.
 */
export async function createTestDatabase(
  adminUrl = requiredEnv('BERTH_TEST_PG_ADMIN_URL'),
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `berth_t_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  return {
    url: withDatabase(adminUrl, name),
    drop: () =>
      admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run the tests through jest (test/setup/global-setup.ts sets it)`);
  return v;
}
