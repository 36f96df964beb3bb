import 'reflect-metadata';
import { DataSource } from 'typeorm';
import {
  newId,
  type ContainerId,
  type ContainerState,
  type HostId,
  type ImageId,
  type OperationKind,
  type TenantId,
} from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import { dataSourceOptions } from '../data-source-options';
import { ContainerEntity } from '../entities/container.entity';
import { HostEntity } from '../entities/host.entity';
import { ImageEntity } from '../entities/image.entity';
import { HostContainerRepository } from './container.repository';
import { ImageRepository } from './image.repository';
import { OperationRepository } from './operation.repository';

jest.setTimeout(60_000);

const PULLING_STATES: readonly ContainerState[] = ['pending', 'creating', 'starting', 'restarting'];
const PULLING_KINDS: readonly OperationKind[] = ['container.create', 'container.start', 'container.restart'];

/** What a host may be pulling for a tenant (the agent's registry login is handed out for these only). */
describe('HostContainerRepository.imagesAwaitingPull and ImageRepository.referencesBeingPulledOn', () => {
  let ds: DataSource;
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  const tenantId = newId('ten') as TenantId;
  const otherTenantId = newId('ten') as TenantId;
  const hostId = newId('hst') as HostId;
  const otherHostId = newId('hst') as HostId;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    for (const [id, name] of [
      [tenantId, 'pulls'],
      [otherTenantId, 'others'],
    ]) {
      await ds.query(`INSERT INTO tenants (id, name, state) VALUES ($1, $2, 'active')`, [id, name]);
    }
    for (const [id, name] of [
      [hostId, 'h1'],
      [otherHostId, 'h2'],
    ] as const) {
      const now = new Date();
      await ds.manager.save(
        ds.manager.create(HostEntity, {
          id,
          name,
          address: '127.0.0.1',
          state: 'ready',
          capacityVcpu: 8,
          capacityMemoryMib: 8192,
          capacityDiskGib: 100,
          capacityVolumeGib: 100,
          driver: 'qemu',
          capabilities: {},
          agentVersion: 'test',
          tokenPrefix: `p${name}`,
          tokenHash: 'hash',
          registeredAt: now,
          lastHeartbeatAt: now,
          lastHeartbeatHostAt: null,
          stateChangedAt: now,
        }),
      );
    }
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await dropDatabase();
  });

  async function container(
    image: string,
    state: ContainerState,
    on: HostId = hostId,
    of: TenantId = tenantId,
  ): Promise<ContainerId> {
    const id = newId('ctr') as ContainerId;
    const now = new Date();
    await ds.manager.save(
      ds.manager.create(ContainerEntity, {
        id,
        tenantId: of,
        name: id,
        image,
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
        hostId: on,
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

  async function image(reference: string): Promise<ImageId> {
    const id = newId('img') as ImageId;
    const now = new Date();
    await ds.manager.save(
      ds.manager.create(ImageEntity, {
        id,
        tenantId,
        reference,
        state: 'pulling',
        digest: null,
        sizeBytes: null,
        config: null,
        hostId,
        error: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return id;
  }

  async function operation(
    targetId: string,
    kind: OperationKind,
    state: 'pending' | 'running' | 'succeeded' = 'pending',
    on: HostId = hostId,
  ): Promise<void> {
    const ops = new OperationRepository(ds.manager);
    const op = await ops.open({ tenantId, kind, targetId, hostId: on, generation: 1 }, new Date());
    if (state !== 'pending') await ops.patch(op, { state });
  }

  it("reads the tenant's containers on the host on their way to running or with an open pulling operation there", async () => {
    await container('creating:1', 'creating');
    await operation(await container('starting-op:1', 'running'), 'container.start', 'running');
    await operation(await container('restart-op:1', 'stopped'), 'container.restart');
    await operation(await container('finished-op:1', 'running'), 'container.start', 'succeeded');
    await operation(await container('stop-op:1', 'running'), 'container.stop');
    await operation(await container('op-elsewhere:1', 'stopped'), 'container.start', 'pending', otherHostId);
    await container('running:1', 'running');
    await container('other-host:1', 'creating', otherHostId);
    await container('other-tenant:1', 'creating', hostId, otherTenantId);

    const images = await new HostContainerRepository(ds.manager).imagesAwaitingPull(
      hostId,
      tenantId,
      PULLING_STATES,
      PULLING_KINDS,
    );
    expect([...images].sort()).toEqual(['creating:1', 'restart-op:1', 'starting-op:1']);
  });

  it("reads the tenant's images with an image pull open on the host, and no others", async () => {
    await operation(await image('pulling:1'), 'image.pull');
    await operation(await image('pulled:1'), 'image.pull', 'succeeded');
    await image('no-op:1');
    await operation(await image('pulling-elsewhere:1'), 'image.pull', 'running', otherHostId);

    const repo = new ImageRepository(ds.manager);
    expect(await repo.referencesBeingPulledOn(tenantId, hostId)).toEqual(['pulling:1']);
    expect(await repo.referencesBeingPulledOn(otherTenantId, hostId)).toEqual([]);
  });
});
