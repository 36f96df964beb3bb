/**
 * Writes a seed plan (seed-plan.ts) in bulk: each table's rows are copies of rows the API itself made
 * for one template container (its tenant, default network, container, NIC, open usage interval and
 * create operation), with the plan's ids, names, states, hosts and addresses put in. Copying whole rows
 * (jsonb_populate_record) keeps every column the API fills, including ones added after this was written.
 */
import type { Client } from 'pg';
import { usageIntervalId } from '../../libs/db/src/usage-interval-id';
import type { UsageMeter } from '../../libs/domain/src';
import type { SeedPlan } from './seed-plan';

export interface SeedTemplate {
  readonly tenantId: string;
  readonly networkId: string;
  readonly containerId: string;
}

/** Copies of `table`'s template row (`where`), one per element of the unnested arrays, with `set` put in. */
function copyRows(table: string, where: string, from: string, set: string): string {
  return `INSERT INTO ${table}
    SELECT (jsonb_populate_record(NULL::${table}, to_jsonb(t) || ${set})).*
    FROM ${table} t, ${from}
    WHERE ${where}`;
}

/** Writes `plan` in one transaction. */
export async function applySeed(db: Client, template: SeedTemplate, plan: SeedPlan): Promise<void> {
  const usage = await db.query<{ meter: string; started_at: Date }>(
    `SELECT meter, started_at FROM usage_intervals WHERE resource_id = $1 AND ended_at IS NULL`,
    [template.containerId],
  );
  const u = usage.rows[0];
  if (!u) throw new Error(`the template container ${template.containerId} has no open usage interval`);
  const live = plan.states.map((s, i) => (s === 'deleted' ? -1 : i)).filter((i) => i >= 0);
  const tenantOf = (i: number): string => plan.tenantIds[plan.tenantOf[i]!]!;
  const networkOf = (i: number): string => plan.networkIds[plan.tenantOf[i]!]!;

  await db.query('BEGIN');
  try {
    await db.query(
      copyRows(
        'tenants',
        't.id = $1',
        'unnest($2::text[], $3::text[]) AS x(id, name)',
        `jsonb_build_object('id', x.id, 'name', x.name)`,
      ),
      [template.tenantId, plan.tenantIds, plan.tenantNames],
    );
    await db.query(
      copyRows(
        'networks',
        't.id = $1',
        'unnest($2::text[], $3::text[]) AS x(id, tenant_id)',
        `jsonb_build_object('id', x.id, 'tenant_id', x.tenant_id, 'vni', nextval('networks_vni_seq'))`,
      ),
      [template.networkId, plan.networkIds, plan.tenantIds],
    );
    await db.query(
      copyRows(
        'containers',
        't.id = $1',
        'unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(id, tenant_id, name, state, host_id)',
        `jsonb_build_object('id', x.id, 'tenant_id', x.tenant_id, 'name', x.name, 'state', x.state,
           'host_id', x.host_id,
           'exit_code', CASE x.state WHEN 'running' THEN NULL WHEN 'exited' THEN 1 ELSE 0 END,
           'finished_at', CASE x.state WHEN 'running' THEN NULL ELSE now() END)`,
      ),
      [
        template.containerId,
        plan.containerIds,
        plan.containerIds.map((_, i) => tenantOf(i)),
        plan.names,
        plan.states,
        plan.hostIds,
      ],
    );
    await db.query(
      copyRows(
        'ip_allocations',
        't.container_id = $1',
        'unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(container_id, network_id, ip, mac)',
        `jsonb_build_object('container_id', x.container_id, 'network_id', x.network_id, 'ip', x.ip, 'mac', x.mac)`,
      ),
      [
        template.containerId,
        live.map((i) => plan.containerIds[i]),
        live.map(networkOf),
        live.map((i) => plan.ips[i]),
        live.map((i) => plan.macs[i]),
      ],
    );
    // Running: the interval is open; stopped, exited, deleted: closed now.
    await db.query(
      copyRows(
        'usage_intervals',
        't.resource_id = $1 AND t.ended_at IS NULL',
        'unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(id, tenant_id, resource_id, state)',
        `jsonb_build_object('id', x.id, 'tenant_id', x.tenant_id, 'resource_id', x.resource_id,
           'ended_at', CASE x.state WHEN 'running' THEN NULL ELSE now() END)`,
      ),
      [
        template.containerId,
        plan.containerIds.map((id) => usageIntervalId(id, u.meter as UsageMeter, u.started_at)),
        plan.containerIds.map((_, i) => tenantOf(i)),
        plan.containerIds,
        plan.states,
      ],
    );
    // Each container's create operation, long succeeded.
    await db.query(
      copyRows(
        'operations',
        `t.target_id = $1 AND t.kind = 'container.create'`,
        'unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(id, tenant_id, target_id, host_id)',
        `jsonb_build_object('id', x.id, 'tenant_id', x.tenant_id, 'target_id', x.target_id, 'host_id', x.host_id)`,
      ),
      [
        template.containerId,
        plan.containerIds.map((id) => id.replace(/^ctr_/, 'op_')),
        plan.containerIds.map((_, i) => tenantOf(i)),
        plan.containerIds,
        plan.hostIds,
      ],
    );
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK');
    throw err;
  }
  // VACUUM too: the host_reservations trigger rewrote each host's row once per seeded container in this one
  // transaction, leaving thousands of dead versions per row that every create's placement snapshot and
  // reservation would walk until autovacuum came by (a table grown over time has been vacuumed).
  await db.query('VACUUM ANALYZE');
}
