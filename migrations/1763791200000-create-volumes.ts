import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Block volumes, their snapshots, the hosts' volume pools, and usage intervals (issue 6). */
export class CreateVolumes1763791200000 implements MigrationInterface {
  name = 'CreateVolumes1763791200000';

  async up(q: QueryRunner): Promise<void> {
    // 0: the host serves no volumes (its agent predates them, or it has no pool).
    await q.query(
      `ALTER TABLE hosts ADD COLUMN capacity_volume_gib integer NOT NULL DEFAULT 0 CHECK (capacity_volume_gib >= 0)`,
    );

    await q.query(`
      CREATE TABLE volumes (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        size_gib integer NOT NULL CHECK (size_gib BETWEEN 1 AND 1024),
        backend text NOT NULL,
        host_id text REFERENCES hosts(id),
        state text NOT NULL CHECK (state IN ('creating', 'available', 'deleting', 'deleted', 'failed')),
        source_snapshot_id text,
        container_id text REFERENCES containers(id),
        mount_path text,
        device_index integer CHECK (device_index >= 0),
        error text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz,
        CHECK ((container_id IS NULL) = (mount_path IS NULL) AND (container_id IS NULL) = (device_index IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX volumes_tenant_name_uq ON volumes (tenant_id, name) WHERE state <> 'deleted'`,
    );
    await q.query(`CREATE INDEX volumes_tenant_id_idx ON volumes (tenant_id, id)`);
    await q.query(`CREATE INDEX volumes_host_idx ON volumes (host_id) WHERE state <> 'deleted'`);
    // One writer: a volume belongs to at most one container (container_id is a column, not a join), and
    // a container uses each device slot and each path once.
    await q.query(
      `CREATE UNIQUE INDEX volumes_container_slot_uq ON volumes (container_id, device_index) WHERE container_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX volumes_container_path_uq ON volumes (container_id, mount_path) WHERE container_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE snapshots (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        volume_id text NOT NULL REFERENCES volumes(id),
        volume_name text NOT NULL,
        size_gib integer NOT NULL CHECK (size_gib BETWEEN 1 AND 1024),
        backend text NOT NULL,
        host_id text REFERENCES hosts(id),
        state text NOT NULL CHECK (state IN ('creating', 'available', 'deleting', 'deleted', 'failed')),
        stored_bytes bigint CHECK (stored_bytes >= 0),
        live boolean,
        error text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX snapshots_tenant_name_uq ON snapshots (tenant_id, name) WHERE state <> 'deleted'`,
    );
    await q.query(`CREATE INDEX snapshots_tenant_id_idx ON snapshots (tenant_id, id)`);
    await q.query(`CREATE INDEX snapshots_host_idx ON snapshots (host_id) WHERE state <> 'deleted'`);
    await q.query(`
      ALTER TABLE volumes ADD CONSTRAINT volumes_source_snapshot_fk
        FOREIGN KEY (source_snapshot_id) REFERENCES snapshots(id)`);

    // What a tenant had, from when to when; billing rates these. The id is derived from resource, meter
    // and start (usageIntervalId), so writing an interval twice is a no-op.
    await q.query(`
      CREATE TABLE usage_intervals (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        meter text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        created_at timestamptz NOT NULL,
        CHECK (ended_at IS NULL OR ended_at >= started_at)
      )`);
    // A resource accrues on one meter through one open interval at a time.
    await q.query(
      `CREATE UNIQUE INDEX usage_intervals_open_uq ON usage_intervals (resource_id, meter) WHERE ended_at IS NULL`,
    );
    await q.query(`CREATE INDEX usage_intervals_tenant_idx ON usage_intervals (tenant_id, started_at)`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
