import 'reflect-metadata';
import { DataSource } from 'typeorm';
import {
  newId,
  type ContainerId,
  type ContainerState,
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

  async function container(name: string, state: ContainerState = 'running'): Promise<ContainerId> {
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
        hostId: null,
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
    expect(await nics.tryInsert({ ...nic, containerId: a, ip: '10.40.0.2', mac: '52:54:00:00:00:0a' })).toBe(
      true,
    );
    expect(await nics.tryInsert({ ...nic, containerId: b, ip: '10.40.0.2', mac: '52:54:00:00:00:0b' })).toBe(
      false,
    );
    expect(await nics.tryInsert({ ...nic, containerId: b, ip: '10.40.0.3', mac: '52:54:00:00:00:0a' })).toBe(
      false,
    );
    expect(await nics.tryInsert({ ...nic, containerId: b, ip: '10.40.0.3', mac: '52:54:00:00:00:0b' })).toBe(
      true,
    );
    expect((await nics.addressesOn(networkId)).sort()).toEqual(['10.40.0.2', '10.40.0.3']);
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
});
