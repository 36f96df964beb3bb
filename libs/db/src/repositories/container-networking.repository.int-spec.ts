import 'reflect-metadata';
import { DataSource } from 'typeorm';
import {
  newId,
  type ContainerId,
  type ContainerState,
  type HostId,
  type NetworkId,
  type SecurityGroupId,
  type TenantId,
} from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from '../data-source-options';
import { ContainerEntity } from '../entities/container.entity';
import { NetworkEntity } from '../entities/network.entity';
import { SecurityGroupEntity } from '../entities/security-group.entity';
import { ContainerNetworkingRepository } from './container-networking.repository';
import { IpAllocationRepository } from './ip-allocation.repository';

jest.setTimeout(60_000);

/** NICs (ip_allocations) and what else a container holds on the data plane, on the real schema. */
describe('IpAllocationRepository and ContainerNetworkingRepository', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;
  const networkId = newId('net') as NetworkId;
  const groupId = newId('sg') as SecurityGroupId;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, 'nics', 'active')`, [tenantId]);
    await ds.manager.save(
      ds.manager.create(NetworkEntity, {
        id: networkId,
        tenantId,
        name: 'back',
        cidr: '10.40.0.0/24',
        gateway: '10.40.0.1',
        vni: 40_001,
        isDefault: false,
        createdAt: new Date(),
        deletedAt: null,
      }),
    );
    await ds.manager.save(
      ds.manager.create(SecurityGroupEntity, {
        id: groupId,
        tenantId,
        name: 'web',
        description: '',
        createdAt: new Date(),
      }),
    );
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  async function container(
    name: string,
    state: ContainerState = 'running',
    hostId: HostId | null = null,
  ): Promise<ContainerId> {
    const id = newId('ctr') as ContainerId;
    const now = new Date();
    await ds.manager.save(
      ds.manager.create(ContainerEntity, {
        id,
        tenantId,
        name,
        image: 'alpine:3.20',
        command: null,
        env: {},
        labels: {},
        size: 's1',
        vcpu: 1,
        memoryMib: 512,
        diskGib: 1,
        restartPolicy: 'no',
        state,
        generation: 1,
        hostId,
        exitCode: null,
        stateReason: null,
        stateChangedAt: now,
        lastReportAt: null,
        startedAt: null,
        finishedAt: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return id;
  }

  it("an insert whose address or MAC is taken does nothing and says so; a view reads each container's NICs", async () => {
    const nics = new IpAllocationRepository(ds.manager);
    const a = await container('a');
    const b = await container('b');
    const nic = { networkId, nicIndex: 0 };
    const slot = (ip: string): number => Number(ip.split('.')[3]) - 1;
    expect(
      await nics.tryInsert({
        ...nic,
        containerId: a,
        ip: '10.40.0.2',
        slot: slot('10.40.0.2'),
        mac: '52:54:00:00:00:0a',
      }),
    ).toBe(true);
    expect(
      await nics.tryInsert({
        ...nic,
        containerId: b,
        ip: '10.40.0.2',
        slot: slot('10.40.0.2'),
        mac: '52:54:00:00:00:0b',
      }),
    ).toBe(false);
    expect(
      await nics.tryInsert({
        ...nic,
        containerId: b,
        ip: '10.40.0.3',
        slot: slot('10.40.0.3'),
        mac: '52:54:00:00:00:0a',
      }),
    ).toBe(false);
    expect(
      await nics.tryInsert({
        ...nic,
        containerId: b,
        ip: '10.40.0.3',
        slot: slot('10.40.0.3'),
        mac: '52:54:00:00:00:0b',
      }),
    ).toBe(true);
    expect(await nics.addressTaken(networkId, '10.40.0.3')).toBe(true);
    expect(await nics.addressTaken(networkId, '10.40.0.4')).toBe(false);
    expect(await nics.hasNic(a)).toBe(true);
    expect(await nics.hasNic(await container('bare'))).toBe(false);
    expect(await nics.liveContainerNamesOn(networkId, 4)).toEqual(['a', 'b']);
    expect(await nics.liveContainerNamesOn(networkId, 1)).toEqual(['a']);
    expect(await nics.nicsOf([b])).toEqual([
      { containerId: b, networkId, networkName: 'back', ip: '10.40.0.3', mac: '52:54:00:00:00:0b' },
    ]);
  });

  it('release frees the NICs and groups and detaches the floating IP, and changes nothing the second time', async () => {
    const c = await container('leaving');
    const repo = new ContainerNetworkingRepository(ds.manager);
    await new IpAllocationRepository(ds.manager).tryInsert({
      containerId: c,
      networkId,
      ip: '10.40.0.9',
      slot: 8,
      mac: '52:54:00:00:00:99',
      nicIndex: 0,
    });
    await repo.attachGroups(c, [groupId, groupId]);
    expect(await repo.groupsOf([c])).toEqual([{ containerId: c, groupId }]);
    const fipId = newId('fip');
    await ds.query(
      `INSERT INTO floating_ips (id, tenant_id, address, name, container_id, created_at, updated_at)
       VALUES ($1, $2, '203.0.113.9', 'edge', $3, now(), now())`,
      [fipId, tenantId, c],
    );
    for (let i = 0; i < 2; i++) {
      await repo.release(c);
      expect(
        await ds.query(`SELECT slot FROM network_free_slots WHERE network_id = $1 AND slot = 8`, [networkId]),
      ).toEqual([{ slot: 8 }]);
      expect(await new IpAllocationRepository(ds.manager).nicsOf([c])).toEqual([]);
      expect(await repo.groupsOf([c])).toEqual([]);
      expect(
        await ds.query(`SELECT container_id, released_at FROM floating_ips WHERE id = $1`, [fipId]),
      ).toEqual([{ container_id: null, released_at: null }]);
    }
  });

  it("a group's live members are named by name; deleted containers are not members", async () => {
    const repo = new ContainerNetworkingRepository(ds.manager);
    for (const [name, state] of [
      ['zulu', 'running'],
      ['gone', 'deleted'],
      ['mike', 'stopped'],
    ] as const) {
      await repo.attachGroups(await container(name, state), [groupId]);
    }
    expect(await repo.liveMemberNames(groupId, 4)).toEqual(['mike', 'zulu']);
    expect(await repo.liveMemberNames(groupId, 1)).toEqual(['mike']);
  });

  describe('which hosts a change reaches', () => {
    const hosts = [newId('hst'), newId('hst'), newId('hst')].sort() as HostId[];
    const [h1, h2, h3] = hosts as [HostId, HostId, HostId];
    const peersNet = newId('net') as NetworkId;
    let slot = 0;

    beforeAll(async () => {
      for (const id of hosts) {
        await ds.query(
          `INSERT INTO hosts (id, name, address, state, capacity_vcpu, capacity_memory_mib, capacity_disk_gib,
             driver, agent_version, token_prefix, token_hash, registered_at, last_heartbeat_at, state_changed_at)
           VALUES ($1, $1, '127.0.0.1', 'ready', 4, 4096, 40, 'hollow', '1', $1, 'x', now(), now(), now())`,
          [id],
        );
      }
      await ds.query(
        `INSERT INTO networks (id, tenant_id, name, cidr, gateway, vni, created_at)
         VALUES ($1, $2, 'peers', '10.41.0.0/24', '10.41.0.1', 40002, now())`,
        [peersNet, tenantId],
      );
    });

    async function onPeersNet(name: string, hostId: HostId, state: ContainerState = 'running') {
      const id = await container(name, state, hostId);
      slot++;
      await new IpAllocationRepository(ds.manager).tryInsert({
        containerId: id,
        networkId: peersNet,
        ip: `10.41.0.${slot + 1}`,
        slot,
        mac: `52:54:00:41:00:${slot.toString(16).padStart(2, '0')}`,
        nicIndex: 0,
      });
      return id;
    }

    async function moveTo(id: ContainerId, hostId: HostId): Promise<void> {
      await ds.query(`UPDATE containers SET host_id = $2 WHERE id = $1`, [id, hostId]);
    }

    const sorted = (ids: HostId[]): HostId[] => [...ids].sort();

    it("a network's hosts are its live containers' hosts, and follow a container moved to another host", async () => {
      const repo = new ContainerNetworkingRepository(ds.manager);
      const x = await onPeersNet('peer-x', h1);
      const y = await onPeersNet('peer-y', h2);
      await onPeersNet('peer-y2', h2);
      await onPeersNet('peer-gone', h3, 'deleted');
      expect(sorted(await repo.hostsAffectedByContainers([x]))).toEqual([h1, h2]);

      await moveTo(y, h3);
      expect(sorted(await repo.hostsAffectedByContainers([x]))).toEqual([h1, h2, h3]);
      expect(await ds.query(`SELECT live_host_id FROM ip_allocations WHERE container_id = $1`, [y])).toEqual([
        { live_host_id: h3 },
      ]);
      // A container deleted without its NICs released yet is no peer.
      await ds.query(`UPDATE containers SET state = 'deleted' WHERE id = $1`, [y]);
      expect(sorted(await repo.hostsAffectedByContainers([x]))).toEqual([h1, h2]);
      await ds.query(`UPDATE containers SET state = 'running' WHERE id = $1`, [y]);
      // Its own host counts even with no peer there; a container with no host has none.
      expect(sorted(await repo.hostsAffectedByContainers([y]))).toEqual([h1, h2, h3]);
      const unplaced = await container('peer-unplaced');
      expect(await repo.hostsAffectedByContainers([unplaced])).toEqual([]);
    });

    it("a group's members' hosts and the hosts whose rules name a group follow moved containers", async () => {
      const repo = new ContainerNetworkingRepository(ds.manager);
      const [web, db] = [newId('sg'), newId('sg')] as SecurityGroupId[] as [SecurityGroupId, SecurityGroupId];
      for (const [id, name] of [
        [web, 'peer-web'],
        [db, 'peer-db'],
      ] as const) {
        await ds.query(
          `INSERT INTO security_groups (id, tenant_id, name, created_at) VALUES ($1, $2, $3, now())`,
          [id, tenantId, name],
        );
      }
      // db's members accept web's members: a web container's address is in the rules of db's hosts.
      await ds.query(
        `INSERT INTO security_rules (id, group_id, direction, protocol, remote_group_id, created_at)
         VALUES ($1, $2, 'ingress', 'all', $3, now())`,
        [newId('sgr'), db, web],
      );
      const front = await container('peer-front', 'running', h1);
      const back = await container('peer-back', 'running', h2);
      await container('peer-back-gone', 'deleted', h3).then((id) => repo.attachGroups(id, [db]));
      await repo.attachGroups(front, [web]);
      await repo.attachGroups(back, [db]);
      expect(sorted(await repo.hostsAffectedByContainers([front]))).toEqual([h1, h2]);
      expect(await repo.hostsOfGroupMembers([db])).toEqual([h2]);
      expect(await repo.hostsReferencingGroups([web])).toEqual([h2]);

      await moveTo(back, h3);
      expect(sorted(await repo.hostsAffectedByContainers([front]))).toEqual([h1, h3]);
      expect(await repo.hostsOfGroupMembers([db])).toEqual([h3]);
      expect(await repo.hostsReferencingGroups([web])).toEqual([h3]);
      expect(sorted(await repo.hostsOfGroupMembers([web, db]))).toEqual([h1, h3]);
    });
  });
});
