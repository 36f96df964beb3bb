import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ContainerRepository } from '@berth/db';
import type { TenantId } from '@berth/domain';
import { applySeed } from '../../../../bench/control-plane/seed';
import { seedPlan } from '../../../../bench/control-plane/seed-plan';
import { loadContainerNetworking, NO_NETWORKING } from '../networks/container-networking';
import { InProcessApi, type TestHost, type TestTenant } from '../testing/in-process-api';
import { loadContainerVolumes } from '../volumes/container-volumes';
import { containerView } from './container.view';

jest.setTimeout(180_000);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/**
 * A tenant's reads of its containers (issue 15: list p99 <= 50 ms at 100,000 containers): a page or a
 * get is one statement that reads a few index entries per container answered, whatever the table holds,
 * and answers exactly what the entity, its NICs, groups and volumes read one by one answered.
 */
describe("a tenant's container reads, on a table of 10,000 other containers (in-process api)", () => {
  let api: InProcessApi;
  let tenant: TestTenant;
  const hosts: TestHost[] = [];
  const mine: string[] = [];

  beforeAll(async () => {
    api = await InProcessApi.start();
    for (let i = 0; i < 5; i++)
      hosts.push(await api.registerHost({ vcpu: 4096, memoryMib: 1_048_576, diskGib: 1_048_576 }));
    await api.hostsTakingWork(...hosts);
    // The seed's template: a container the API made and a host ran (bench/control-plane/seed.ts).
    const template = await api.newTenant();
    const made = await template.http.post<{
      data: { id: string; generation: number };
      operation: { id: string };
    }>('/v1/containers', { image: 'busybox:latest', size: 's1' });
    expect(made.status).toBe(202);
    const { data, operation } = made.body;
    const [placed] = await api.rows<{ host_id: string }>(`SELECT host_id FROM containers WHERE id = $1`, [
      data.id,
    ]);
    const host = hosts.find((h) => h.id === placed?.host_id)!;
    const at = new Date().toISOString();
    expect(
      (
        await host.agent.post(`/v1/agent/operations/${operation.id}/claim`, {
          at,
          generation: data.generation,
        })
      ).status,
    ).toBe(200);
    const running = await host.agent.post(`/v1/agent/containers/${data.id}/events`, {
      event: 'agent.running',
      at,
      generation: data.generation,
      operationId: operation.id,
      start: { path: 'simulated' },
    });
    expect(running.status).toBe(200);
    const [nic] = await api.rows<{ network_id: string; ip: string }>(
      `SELECT network_id, ip FROM ip_allocations WHERE container_id = $1`,
      [data.id],
    );
    const pg = new Client({ connectionString: api.config.databaseUrl });
    await pg.connect();
    try {
      await applySeed(
        pg,
        { tenantId: template.id, networkId: nic!.network_id, containerId: data.id },
        seedPlan({
          count: 10_000,
          // 1,000 networks, as 100,000 containers of tenants of 100 would have.
          perTenant: 10,
          hostIds: hosts.map((h) => h.id),
          firstIndex: 0,
          networkPrefix: nic!.ip.split('.').slice(0, 3).join('.'),
          takenMacs: new Set(
            (await api.rows<{ mac: string }>('SELECT mac FROM ip_allocations')).map((r) => r.mac),
          ),
        }),
      );
    } finally {
      await pg.end();
    }

    // The tenant's own: on two networks, with a group and a volume, and labelled.
    tenant = await api.newTenant();
    expect((await tenant.http.post('/v1/networks', { name: 'back', cidr: '10.99.0.0/24' })).status).toBe(201);
    const group = await tenant.http.post<{ data: { id: string } }>('/v1/security-groups', { name: 'web' });
    expect(group.status).toBe(201);
    for (let i = 0; i < 60; i++) {
      const res = await tenant.http.post<{ data: { id: string } }>('/v1/containers', {
        image: 'busybox:latest',
        size: 's1',
        labels: { app: i % 2 === 0 ? 'web' : 'db' },
        ...(i === 0
          ? { networks: ['default', 'back'], securityGroups: ['web'], volumes: ['data:/var/lib/data'] }
          : {}),
      });
      expect(res.status).toBe(202);
      mine.push(res.body.data.id);
    }
    await api.rows('ANALYZE');
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The statements a request sends, with their parameters (the API key's lookup left out). */
  async function statementsOf(work: () => Promise<unknown>): Promise<[string, unknown[]][]> {
    const ds = api.service(DataSource);
    const sent: [string, unknown[]][] = [];
    const logQuery = ds.logger.logQuery.bind(ds.logger);
    ds.logger.logQuery = (query, parameters, runner) => {
      if (!/\bapi_keys\b/.test(query)) sent.push([query, parameters ?? []]);
      logQuery(query, parameters, runner);
    };
    try {
      await work();
    } finally {
      ds.logger.logQuery = logQuery;
    }
    return sent;
  }

  /** Rows every plan node returned or read and dropped (rows, not time), and the tables read whole. */
  async function plansOf(statements: [string, unknown[]][]): Promise<{ rows: number; seqScans: string[] }> {
    let rows = 0;
    const seqScans: string[] = [];
    const walk = (p: PlanNode): void => {
      rows += (p['Actual Rows'] + (p['Rows Removed by Filter'] ?? 0)) * p['Actual Loops'];
      if (p['Node Type'] === 'Seq Scan') seqScans.push(p['Relation Name'] ?? '?');
      p.Plans?.forEach(walk);
    };
    for (const [sql, params] of statements) {
      const [row] = await api.rows<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      walk(row!['QUERY PLAN'][0].Plan);
    }
    return { rows, seqScans };
  }

  /**
   * Tables with a row per container: never read whole by a tenant's read. (The seed attaches no groups
   * or volumes, and those tables are read whole when Postgres finds that cheaper; the row count says
   * whether a read grew with any table.)
   */
  const BIG = ['containers', 'ip_allocations', 'usage_intervals', 'operations'];

  it.each([
    ['a page of 50', '/v1/containers?limit=50'],
    ['a page by state', '/v1/containers?limit=50&state=pending,creating'],
    ['a page by label', '/v1/containers?limit=50&label=app=web'],
    ['the next page', 'NEXT'],
  ])('%s is one statement that reads a few rows per container answered', async (_, path) => {
    let url = path;
    if (path === 'NEXT') {
      const first = await tenant.http.get<{ nextCursor: string }>('/v1/containers?limit=50');
      url = `/v1/containers?limit=50&cursor=${first.body.nextCursor}`;
    }
    let answered = 0;
    const sent = await statementsOf(async () => {
      const res = await tenant.http.get<{ data: unknown[] }>(url);
      expect(res.status).toBe(200);
      answered = res.body.data.length;
    });
    expect(answered).toBeGreaterThan(0);
    expect(sent).toHaveLength(1);
    const { rows, seqScans } = await plansOf(sent);
    expect(seqScans.filter((t) => BIG.includes(t))).toEqual([]);
    // The tenant's 60 containers, each with a NIC or two, a network name, and its groups and volumes.
    expect(rows).toBeLessThan(1000);
  });

  it('a get is one statement that reads a handful of rows', async () => {
    const sent = await statementsOf(async () => {
      expect((await tenant.http.get(`/v1/containers/${mine[0]}`)).status).toBe(200);
    });
    expect(sent).toHaveLength(1);
    const { rows, seqScans } = await plansOf(sent);
    expect(seqScans.filter((t) => BIG.includes(t))).toEqual([]);
    expect(rows).toBeLessThan(50);
  });

  it('answers what the entity and its NICs, groups and volumes answer, read one by one', async () => {
    const em = api.service(DataSource).manager;
    const tenantId = tenant.id as TenantId;
    const ids = mine.slice(0, 3);
    const entities = await Promise.all(ids.map((id) => new ContainerRepository(em).findByRef(tenantId, id)));
    const nets = await loadContainerNetworking(em, ids as never[]);
    const vols = await loadContainerVolumes(em, ids as never[]);
    const expected = entities.map((c) =>
      containerView(c!, nets.get(c!.id) ?? NO_NETWORKING, vols.get(c!.id) ?? []),
    );
    expect(expected[0]!.networks).toHaveLength(2);
    expect(expected[0]!.securityGroups).toHaveLength(1);
    expect(expected[0]!.volumes).toHaveLength(1);

    const page = await tenant.http.get<{ data: unknown[] }>('/v1/containers?limit=3');
    expect(page.body.data).toEqual(expected);
    const one = await tenant.http.get(`/v1/containers/${ids[0]}`);
    expect(one.body).toEqual(expected[0]);
    const named = await tenant.http.get(`/v1/containers/${expected[1]!.name}`);
    expect(named.body).toEqual(expected[1]);
  });
});
