import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { dataSourceOptions, inTransaction, NetworkEntity } from '@berth/db';
import { DomainError, newId, type ContainerId, type NetworkId, type TenantId } from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { allocateNics, hostsAffectedByContainers, releaseContainerNetworking } from './container-networking';

jest.setTimeout(120_000);

/**
 * NIC allocation on the real schema: the lowest free address, reuse of released ones, a full network,
 * concurrent creates, and work per NIC that does not grow with the network (plans of the statements the
 * allocator and the peer lookup run, on a network of 20,000 NICs).
 */
describe('allocateNics', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;
  let template: ContainerId;
  let vni = 50_000;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'alloc', 'active')`, [tenantId]);
    template = newId('ctr');
    await ds.query(
      `INSERT INTO containers (id, tenant_id, name, image, env, labels, size, vcpu, memory_mib, disk_gib,
         restart_policy, state, generation, state_changed_at, created_at, updated_at)
       VALUES ($1, $2, 'template', 'alpine:3.20', '{}', '{}', 's1', 1, 512, 1, 'no', 'running', 1,
         now(), now(), now())`,
      [template, tenantId],
    );
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  async function network(cidr: string): Promise<NetworkEntity> {
    const [a, b, c] = cidr.split('.');
    const n = ds.manager.create(NetworkEntity, {
      id: newId('net'),
      tenantId,
      name: `n${vni}`,
      cidr,
      gateway: `${a}.${b}.${c}.1`,
      vni: vni++,
      isDefault: false,
      createdAt: new Date(),
      deletedAt: null,
    });
    return ds.manager.save(n);
  }

  /** Inserts `count` containers copied from the template (on `hostId`), returning their ids. */
  async function containers(
    em: EntityManager,
    count: number,
    hostId: string | null = null,
  ): Promise<ContainerId[]> {
    const rows: { id: ContainerId }[] = await em.query(
      `INSERT INTO containers
       SELECT (jsonb_populate_record(NULL::containers, to_jsonb(t) || jsonb_build_object(
                 'id', 'ctr_' || md5(random()::text || i), 'name', 'c-' || md5(random()::text || i),
                 'host_id', $3::text))).*
         FROM containers t, generate_series(1, $2::integer) AS i WHERE t.id = $1
       RETURNING id`,
      [template, count, hostId],
    );
    return rows.map((r) => r.id);
  }

  /** One create as the API runs it: the networks locked FOR SHARE, the container, its NICs. */
  function create(networks: readonly NetworkEntity[]): Promise<ContainerId> {
    return inTransaction(ds, async (em) => {
      for (const n of networks) await em.query(`SELECT 1 FROM networks WHERE id = $1 FOR SHARE`, [n.id]);
      const [id] = (await containers(em, 1)) as [ContainerId];
      await allocateNics(em, id, networks);
      return id;
    });
  }

  function release(id: ContainerId): Promise<void> {
    return inTransaction(ds, (em) => releaseContainerNetworking(em, id));
  }

  async function ipOf(id: ContainerId, n: NetworkEntity): Promise<string> {
    const rows: { ip: string }[] = await ds.query(
      `SELECT ip FROM ip_allocations WHERE container_id = $1 AND network_id = $2`,
      [id, n.id],
    );
    return rows[0]!.ip;
  }

  async function fullRefusal(work: Promise<unknown>): Promise<DomainError> {
    const err = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }

  it('gives the lowest free host address, then the released ones lowest first, and refuses a full network', async () => {
    const n = await network('10.60.0.0/29'); // .1 gateway, .2-.6 for containers, .7 broadcast
    const ids: ContainerId[] = [];
    for (let i = 0; i < 5; i++) ids.push(await create([n]));
    expect(await Promise.all(ids.map((id) => ipOf(id, n)))).toEqual([
      '10.60.0.2',
      '10.60.0.3',
      '10.60.0.4',
      '10.60.0.5',
      '10.60.0.6',
    ]);
    const err = await fullRefusal(create([n]));
    expect(err.code).toBe('network/full');
    expect(err.details).toEqual({ network: n.id });

    await release(ids[3]!);
    await release(ids[1]!);
    await release(ids[1]!); // idempotent: the address is not freed twice
    const again = [await create([n]), await create([n])];
    expect(await Promise.all(again.map((id) => ipOf(id, n)))).toEqual(['10.60.0.3', '10.60.0.5']);
    expect((await fullRefusal(create([n]))).code).toBe('network/full');
  });

  it('a NIC whose MAC collides keeps its address, with another MAC', async () => {
    const n = await network('10.60.1.0/29');
    const first = await create([n]);
    const rows: { mac: string }[] = await ds.query(`SELECT mac FROM ip_allocations WHERE container_id = $1`, [
      first,
    ]);
    const mac = rows[0]!.mac;
    // The next MAC drawn is the first NIC's.
    const suffix = mac
      .split(':')
      .slice(3)
      .map((h) => parseInt(h, 16));
    const draw = jest.spyOn(globalThis.crypto, 'getRandomValues').mockImplementationOnce(<T>(bytes: T): T => {
      (bytes as Uint8Array).set(suffix);
      return bytes;
    });
    try {
      const second = await create([n]);
      expect(draw).toHaveBeenCalled();
      expect(await ipOf(second, n)).toBe('10.60.1.3');
      const macs: { mac: string }[] = await ds.query(`SELECT mac FROM ip_allocations WHERE network_id = $1`, [
        n.id,
      ]);
      expect(new Set(macs.map((r) => r.mac)).size).toBe(2);
    } finally {
      draw.mockRestore();
    }
    expect(await ipOf(await create([n]), n)).toBe('10.60.1.4');
  });

  it('an address held by a NIC the allocator did not give out is skipped, and given once freed', async () => {
    const n = await network('10.60.2.0/29');
    const [foreign] = (await containers(ds.manager, 1)) as [ContainerId];
    await ds.query(
      `INSERT INTO ip_allocations (container_id, network_id, ip, slot, mac, nic_index, created_at)
       VALUES ($1, $2, '10.60.2.2', 1, '52:54:00:60:02:02', 0, now())`,
      [foreign, n.id],
    );
    const a = await create([n]);
    expect(await ipOf(a, n)).toBe('10.60.2.3');
    await release(foreign);
    expect(await ipOf(await create([n]), n)).toBe('10.60.2.2');
  });

  it('concurrent creates on shared networks, joined in either order, get distinct addresses and never deadlock', async () => {
    const [n1, n2] = [await network('10.61.0.0/24'), await network('10.62.0.0/24')] as [
      NetworkEntity,
      NetworkEntity,
    ];
    const first = await Promise.all(Array.from({ length: 10 }, () => create([n1, n2])));
    for (const id of first.filter((_, i) => i % 2 === 0)) await release(id);
    const burst = await Promise.all(
      Array.from({ length: 16 }, (_, i) => create(i % 2 === 0 ? [n1, n2] : [n2, n1])),
    );
    for (const n of [n1, n2]) {
      const ips: { ip: string }[] = await ds.query(
        `SELECT ip FROM ip_allocations WHERE network_id = $1 ORDER BY slot`,
        [n.id],
      );
      // 5 kept, 16 new: the 5 released addresses are reused and the rest follow without a gap.
      expect(ips.map((r) => r.ip)).toEqual(
        Array.from({ length: 21 }, (_, i) => `${n.cidr.split('.').slice(0, 3).join('.')}.${i + 2}`),
      );
    }
    // Each container's eth0 is the first network it named.
    const eth0: { container_id: ContainerId; network_id: NetworkId }[] = await ds.query(
      `SELECT container_id, network_id FROM ip_allocations WHERE container_id = ANY($1) AND nic_index = 0`,
      [burst],
    );
    const byContainer = new Map(eth0.map((r) => [r.container_id, r.network_id]));
    burst.forEach((id, i) => expect(byContainer.get(id)).toBe(i % 2 === 0 ? n1.id : n2.id));
  });

  describe('on a network of 20,000 NICs', () => {
    let bigNet: NetworkEntity;
    let one: ContainerId;
    const hostIds = [newId('hst'), newId('hst'), newId('hst'), newId('hst')];
    const bigGroup = newId('sg');
    /** Tables that hold a row per container here: never read whole. */
    const big = (tables: string[]): string[] => tables.filter((t) => !t.startsWith('security_'));

    beforeAll(async () => {
      for (const id of hostIds) {
        await ds.query(
          `INSERT INTO hosts (id, name, address, state, capacity_vcpu, capacity_memory_mib, capacity_disk_gib,
             driver, agent_version, token_prefix, token_hash, registered_at, last_heartbeat_at, state_changed_at)
           -- Room for the 20,000 containers placed below (host_reservations refuses a placement past it).
           VALUES ($1, $1, '127.0.0.1', 'ready', 10000, 4000000, 10000, 'hollow', '1', $1, 'x', now(), now(), now())`,
          [id],
        );
      }
      bigNet = await network('10.70.0.0/16');
      await inTransaction(ds, async (em) => {
        const ids: ContainerId[] = [];
        for (const h of hostIds) ids.push(...(await containers(em, 20_000 / hostIds.length, h)));
        one = ids[0]!;
        // Addresses as the allocator gives them (slot s is 10.70.x.y = network + 1 + s), every 100th
        // one released (in the free list) and the mark after the last.
        await em.query(
          `INSERT INTO ip_allocations (container_id, network_id, ip, slot, mac, nic_index, created_at)
           SELECT id, $2, host(('10.70.0.1'::inet + s)), s,
                  '52:54:00:' || to_char(s / 65536, 'FM0x') || ':' || lpad(to_hex((s / 256) % 256), 2, '0')
                    || ':' || lpad(to_hex(s % 256), 2, '0'),
                  0, now()
             FROM unnest($1::text[]) WITH ORDINALITY AS c(id, s)
            WHERE s % 100 <> 50`,
          [ids, bigNet.id],
        );
        await em.query(
          `INSERT INTO network_free_slots (network_id, slot)
           SELECT $1, s FROM generate_series(50, $2::integer, 100) AS s`,
          [bigNet.id, ids.length],
        );
        // And all wear one group whose rule names the group itself: each is in every other's rules.
        await em.query(
          `INSERT INTO security_groups (id, tenant_id, name, created_at) VALUES ($1, $2, 'big', now())`,
          [bigGroup, tenantId],
        );
        await em.query(
          `INSERT INTO security_rules (id, group_id, direction, protocol, remote_group_id, created_at)
           VALUES ($1, $2, 'ingress', 'all', $2, now())`,
          [newId('sgr'), bigGroup],
        );
        await em.query(
          `INSERT INTO container_security_groups (container_id, group_id, created_at)
           SELECT id, $2, now() FROM unnest($1::text[]) AS id`,
          [ids, bigGroup],
        );
        await em.query(`INSERT INTO network_address_marks (network_id, next_slot) VALUES ($1, $2)`, [
          bigNet.id,
          ids.length + 1,
        ]);
      });
      await ds.query(`ANALYZE`);
    });

    /** Every statement `work` runs through its manager, with its parameters. */
    async function statementsOf(
      work: (em: EntityManager) => Promise<unknown>,
    ): Promise<[string, unknown[]][]> {
      const runner = ds.createQueryRunner();
      const seen: [string, unknown[]][] = [];
      const query = runner.query.bind(runner);
      runner.query = ((sql: string, params?: unknown[]) => {
        if (!/^(START TRANSACTION|COMMIT|ROLLBACK|SET TRANSACTION)/.test(sql)) seen.push([sql, params ?? []]);
        return query(sql, params);
      }) as typeof runner.query;
      try {
        await runner.startTransaction();
        await work(runner.manager);
        await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
      return seen;
    }

    interface PlanNode {
      'Node Type': string;
      'Relation Name'?: string;
      'Actual Rows': number;
      'Actual Loops': number;
      'Rows Removed by Filter'?: number;
      'Rows Removed by Index Recheck'?: number;
      Plans?: PlanNode[];
    }

    /**
     * What the statements' plans read, run in a transaction that is rolled back: rows every node returned
     * or read and dropped, and the tables read whole. Rows, not time: the count does not depend on load.
     */
    async function plansOf(statements: [string, unknown[]][]): Promise<{ rows: number; seqScans: string[] }> {
      const runner = ds.createQueryRunner();
      let rows = 0;
      const seqScans: string[] = [];
      const walk = (p: PlanNode): void => {
        const read =
          p['Actual Rows'] + (p['Rows Removed by Filter'] ?? 0) + (p['Rows Removed by Index Recheck'] ?? 0);
        rows += read * p['Actual Loops'];
        if (p['Node Type'] === 'Seq Scan') seqScans.push(p['Relation Name'] ?? '?');
        p.Plans?.forEach(walk);
      };
      try {
        await runner.startTransaction();
        for (const [sql, params] of statements) {
          const [{ 'QUERY PLAN': plan }] = (await runner.query(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
            params,
          )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
          walk(plan[0].Plan);
        }
        await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
      return { rows, seqScans };
    }

    it('a NIC costs one statement that reads a handful of rows through indexes, and gets the lowest freed address', async () => {
      const [fresh] = (await containers(ds.manager, 1)) as [ContainerId];
      const statements = await statementsOf((em) => allocateNics(em, fresh, [bigNet]));
      expect(statements).toHaveLength(1);
      const { rows, seqScans } = await plansOf(statements);
      expect(seqScans).toEqual([]);
      expect(rows).toBeLessThan(50);
      await inTransaction(ds, (em) => allocateNics(em, fresh, [bigNet]));
      expect(await ipOf(fresh, bigNet)).toBe('10.70.0.51');
    });

    it("the hosts a container's arrival reaches are read a row or two per host, not per container", async () => {
      const statements = await statementsOf(async (em) =>
        expect((await hostsAffectedByContainers(em, [one])).sort()).toEqual([...hostIds].sort()),
      );
      const { rows, seqScans } = await plansOf(statements);
      expect(big(seqScans)).toEqual([]);
      expect(rows).toBeLessThan(100);
    });
  });
});
