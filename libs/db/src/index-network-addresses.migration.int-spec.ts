import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { formatIpv4, nicAddressAt, type NetworkId } from '@berth/domain';
import { requiredEnv } from '@berth/testing';
import { dataSourceOptions } from './data-source-options';
import { ALL_MIGRATIONS } from '../../../migrations';
import { IndexNetworkAddresses1763863200000 } from '../../../migrations/1763863200000-index-network-addresses';
import { IpAllocationRepository } from './repositories/ip-allocation.repository';

/**
 * The migration that gives NICs their slots and networks their marks and free lists, run on a database
 * that already holds NICs and group attachments written the old way: each NIC's slot is the one whose
 * address (libs/domain) it holds, each network's mark follows its highest slot, the gaps below are
 * free, and NICs and attachments carry their live container's host.
 */
describe('migration IndexNetworkAddresses1763863200000', () => {
  const name = `berth_m_${randomBytes(6).toString('hex')}`;
  const adminUrl = requiredEnv('BERTH_TEST_PG_ADMIN_URL');
  const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

  async function admin(sql: string): Promise<void> {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }

  async function migrate(migrations: typeof ALL_MIGRATIONS): Promise<DataSource> {
    const ds = await new DataSource({ ...dataSourceOptions(url), migrations }).initialize();
    await ds.runMigrations({ transaction: 'each' });
    return ds;
  }

  beforeAll(() => admin(`CREATE DATABASE ${name}`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('backfills slots, marks, free lists and live hosts from the rows made before it', async () => {
    const at = ALL_MIGRATIONS.indexOf(IndexNetworkAddresses1763863200000);
    expect(at).toBeGreaterThan(0);
    const before = await migrate(ALL_MIGRATIONS.slice(0, at));
    try {
      await before.query(`
        INSERT INTO tenants (id, name, state) VALUES ('ten_m', 'm', 'active');
        INSERT INTO hosts (id, name, address, state, capacity_vcpu, capacity_memory_mib, capacity_disk_gib,
            driver, agent_version, token_prefix, token_hash, registered_at, last_heartbeat_at, state_changed_at)
          VALUES ('hst_a', 'a', '127.0.0.1', 'ready', 4, 4096, 40, 'hollow', '1', 'pa', 'x', now(), now(), now()),
                 ('hst_b', 'b', '127.0.0.1', 'ready', 4, 4096, 40, 'hollow', '1', 'pb', 'x', now(), now(), now());
        INSERT INTO networks (id, tenant_id, name, cidr, gateway, created_at) VALUES
          ('net_gaps', 'ten_m', 'gaps', '10.80.0.0/24', '10.80.0.1', now()),
          ('net_wide', 'ten_m', 'wide', '10.81.0.0/16', '10.81.0.1', now()),
          ('net_none', 'ten_m', 'none', '10.82.0.0/24', '10.82.0.1', now());
        INSERT INTO containers (id, tenant_id, name, image, env, labels, size, vcpu, memory_mib, disk_gib,
            restart_policy, state, generation, host_id, state_changed_at, created_at, updated_at)
          SELECT 'ctr_' || i, 'ten_m', 'c' || i, 'alpine', '{}', '{}', 's1', 1, 512, 1, 'no',
                 CASE WHEN i = 4 THEN 'deleted' ELSE 'running' END, 1,
                 CASE WHEN i % 2 = 0 THEN 'hst_a' ELSE 'hst_b' END, now(), now(), now()
            FROM generate_series(1, 4) AS i;
        INSERT INTO ip_allocations (container_id, network_id, ip, mac, nic_index, created_at) VALUES
          ('ctr_1', 'net_gaps', '10.80.0.2', '52:54:00:00:00:01', 0, now()),
          ('ctr_2', 'net_gaps', '10.80.0.5', '52:54:00:00:00:02', 0, now()),
          ('ctr_3', 'net_gaps', '10.80.0.7', '52:54:00:00:00:03', 0, now()),
          ('ctr_3', 'net_wide', '10.81.1.4', '52:54:00:00:00:04', 1, now()),
          ('ctr_4', 'net_wide', '10.81.0.2', '52:54:00:00:00:05', 0, now());
        INSERT INTO security_groups (id, tenant_id, name, created_at) VALUES ('sg_m', 'ten_m', 'm', now());
        INSERT INTO container_security_groups (container_id, group_id, created_at) VALUES
          ('ctr_1', 'sg_m', now()), ('ctr_4', 'sg_m', now());
      `);
    } finally {
      await before.destroy();
    }

    const after = await migrate(ALL_MIGRATIONS);
    try {
      const nics: {
        network_id: string;
        cidr: string;
        ip: string;
        slot: number;
        live_host_id: string | null;
      }[] = await after.query(
        `SELECT a.network_id, n.cidr, a.ip, a.slot, a.live_host_id
             FROM ip_allocations a JOIN networks n ON n.id = a.network_id ORDER BY a.network_id, a.slot`,
      );
      // The slot the migration computed in SQL is the one the domain maps to the NIC's address.
      for (const nic of nics) {
        expect(formatIpv4(nicAddressAt({ id: nic.network_id, name: '', cidr: nic.cidr }, nic.slot))).toBe(
          nic.ip,
        );
      }
      expect(nics.map((n) => [n.network_id, n.slot, n.live_host_id])).toEqual([
        ['net_gaps', 1, 'hst_b'],
        ['net_gaps', 4, 'hst_a'],
        ['net_gaps', 6, 'hst_b'],
        ['net_wide', 1, null], // its container is deleted
        ['net_wide', 259, 'hst_b'],
      ]);
      expect(
        await after.query(`SELECT network_id, next_slot FROM network_address_marks ORDER BY network_id`),
      ).toEqual([
        { network_id: 'net_gaps', next_slot: 7 },
        { network_id: 'net_none', next_slot: 1 },
        { network_id: 'net_wide', next_slot: 260 },
      ]);
      const free: { network_id: string; slots: number[] }[] = await after.query(
        `SELECT network_id, array_agg(slot ORDER BY slot) AS slots FROM network_free_slots GROUP BY network_id
          ORDER BY network_id`,
      );
      expect(free[0]).toEqual({ network_id: 'net_gaps', slots: [2, 3, 5] });
      expect(free[1]!.network_id).toBe('net_wide');
      expect(free[1]!.slots).toEqual(Array.from({ length: 257 }, (_, i) => i + 2));
      expect(free).toHaveLength(2);
      expect(
        await after.query(
          `SELECT container_id, live_host_id FROM container_security_groups ORDER BY container_id`,
        ),
      ).toEqual([
        { container_id: 'ctr_1', live_host_id: 'hst_b' },
        { container_id: 'ctr_4', live_host_id: null },
      ]);

      // The allocator goes on from there: the lowest gap, then the next, then past the mark.
      const repo = new IpAllocationRepository(after.manager);
      const taken: (number | null)[] = [];
      for (let i = 0; i < 4; i++)
        taken.push(await repo.takeSlot('net_gaps' as NetworkId, { first: 1, end: 253 }));
      expect(taken).toEqual([2, 3, 5, 7]);
      expect(await repo.takeSlot('net_none' as NetworkId, { first: 1, end: 253 })).toBe(1);
    } finally {
      await after.destroy();
    }
  });
});
