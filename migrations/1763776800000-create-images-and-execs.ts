import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Images, per-tenant registry credentials, exec requests and operation progress (the microVM runtime). */
export class CreateImagesAndExecs1763776800000 implements MigrationInterface {
  name = 'CreateImagesAndExecs1763776800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE operations ADD COLUMN progress jsonb`);
    await q.query(`
      CREATE TABLE images (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        reference text NOT NULL,
        state text NOT NULL CHECK (state IN ('pulling', 'ready', 'failed')),
        digest text,
        size_bytes bigint,
        config jsonb,
        host_id text REFERENCES hosts(id),
        error text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX images_tenant_reference_uq ON images (tenant_id, reference)`);
    await q.query(`
      CREATE TABLE registry_credentials (
        tenant_id text NOT NULL REFERENCES tenants(id),
        registry text NOT NULL,
        username text NOT NULL,
        secret_ciphertext text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, registry)
      )`);
    await q.query(`
      CREATE TABLE execs (
        operation_id text PRIMARY KEY REFERENCES operations(id),
        tenant_id text NOT NULL REFERENCES tenants(id),
        container_id text NOT NULL REFERENCES containers(id),
        command jsonb NOT NULL,
        env jsonb NOT NULL DEFAULT '[]',
        workdir text,
        "user" text,
        timeout_ms integer NOT NULL,
        exit_code integer,
        stdout text,
        stderr text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
