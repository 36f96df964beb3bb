import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, API keys, hosts, containers, operations and idempotency keys: the control plane's truth. */
export class CreateControlPlane1763769600000 implements MigrationInterface {
  name = 'CreateControlPlane1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        state text NOT NULL CHECK (state IN ('active', 'suspended')),
        created_at timestamptz NOT NULL DEFAULT now(),
        suspended_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, id)`);
    await q.query(`
      CREATE TABLE hosts (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        address text NOT NULL,
        state text NOT NULL CHECK (state IN ('ready', 'lost', 'draining')),
        capacity_vcpu integer NOT NULL CHECK (capacity_vcpu > 0),
        capacity_memory_mib integer NOT NULL CHECK (capacity_memory_mib > 0),
        capacity_disk_gib integer NOT NULL CHECK (capacity_disk_gib > 0),
        driver text NOT NULL,
        capabilities jsonb NOT NULL DEFAULT '{}',
        agent_version text NOT NULL,
        token_prefix text NOT NULL UNIQUE,
        token_hash text NOT NULL,
        registered_at timestamptz NOT NULL,
        last_heartbeat_at timestamptz NOT NULL,
        last_heartbeat_host_at timestamptz,
        state_changed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE containers (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        image text NOT NULL,
        command jsonb,
        env jsonb NOT NULL DEFAULT '{}',
        labels jsonb NOT NULL DEFAULT '{}',
        size text NOT NULL,
        vcpu integer NOT NULL,
        memory_mib integer NOT NULL,
        disk_gib integer NOT NULL,
        restart_policy text NOT NULL,
        state text NOT NULL,
        generation integer NOT NULL,
        host_id text REFERENCES hosts(id),
        exit_code integer,
        state_reason text,
        state_changed_at timestamptz NOT NULL,
        last_report_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // A name is taken only while its container exists; deleted containers keep their row for history.
    await q.query(
      `CREATE UNIQUE INDEX containers_tenant_name_uq ON containers (tenant_id, name) WHERE state <> 'deleted'`,
    );
    await q.query(`CREATE INDEX containers_tenant_id_idx ON containers (tenant_id, id)`);
    await q.query(`CREATE INDEX containers_host_idx ON containers (host_id) WHERE state <> 'deleted'`);
    await q.query(`CREATE INDEX containers_labels_idx ON containers USING gin (labels)`);
    await q.query(`
      CREATE TABLE operations (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        kind text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'superseded')),
        target_id text NOT NULL,
        host_id text REFERENCES hosts(id),
        generation integer NOT NULL,
        error_code text,
        error_message text,
        enqueue_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        started_at timestamptz,
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX operations_tenant_idx ON operations (tenant_id, id)`);
    await q.query(`CREATE INDEX operations_target_idx ON operations (target_id, id)`);
    await q.query(
      `CREATE INDEX operations_open_idx ON operations (updated_at) WHERE state IN ('pending', 'running')`,
    );
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
  }

  async down(): Promise<void> {
    // Forward-only (DESIGN.md): a mistake is mended by a new migration, never by rolling back data.
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
