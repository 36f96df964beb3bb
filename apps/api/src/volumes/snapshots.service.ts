import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AcceptedView, Page, SnapshotView, VolumeView } from '@berth/contracts';
import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  inTransaction,
  pageOf,
  SnapshotEntity,
  SnapshotRepository,
  UsageIntervalRepository,
  VolumeRepository,
} from '@berth/db';
import {
  DomainError,
  hostAcceptsWork,
  newId,
  validateVolumeSize,
  type HostId,
  type TenantId,
} from '@berth/domain';
import { onUniqueViolation } from '../common/unique-violation';
import { openOperation } from '../operations/operation-ledger';
import { operationView } from '../operations/operation.view';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { hostIsReady } from '../hosts/host-snapshots';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { assertWithinQuota } from '../quotas/quota-guard';
import { snapshotView, volumeView } from './storage.view';
import { FleetPlacementService } from '../hosts/fleet-placement.service';
import { volumeAsk } from '../hosts/fleet-placement';
import { beginStorageDeletion, createVolume } from './storage-changes';
import { volumeNotFound } from './volumes.service';

/**
 * Snapshots: point-in-time copies of a volume made by its host (crash-consistent while a container
 * writes to it, through QMP), kept on that host after the volume is gone, and restored into new
 * volumes there.
 */
@Injectable()
export class SnapshotsService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    private readonly placement: FleetPlacementService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(tenantId: TenantId, volumeRef: string, name?: string): Promise<AcceptedView<SnapshotView>> {
    const snapName = name ?? '';
    const { snapshot, op } = await onUniqueViolation(
      'snapshots_tenant_name_uq',
      () => snapshotNameTaken(snapName),
      () =>
        inTransaction(this.ds, async (em) => {
          await assertWithinQuota(em, tenantId, this.config.quotas, { snapshots: 1 });
          const v = await new VolumeRepository(em).lockByRef(tenantId, volumeRef, 'share');
          if (!v || v.state === 'deleted') throw volumeNotFound(volumeRef);
          if (v.state !== 'available') {
            throw new DomainError(
              'volume/not_ready',
              `volume ${v.name} is ${v.state}; only an available volume can be snapshotted`,
              { state: v.state },
            );
          }
          if (!(await hostIsReady(em, v.hostId))) throw hostNotReady(v.hostId, `volume ${v.name}`);
          const finalName =
            name ?? `${v.name}-${new Date().toISOString().slice(0, 10)}-${randomBytes(2).toString('hex')}`;
          if (await new SnapshotRepository(em).findByRef(tenantId, finalName))
            throw snapshotNameTaken(finalName);
          const now = new Date();
          const snapshot = await em.save(
            em.create(SnapshotEntity, {
              id: newId('snap'),
              tenantId,
              name: finalName,
              volumeId: v.id,
              volumeName: v.name,
              sizeGib: v.sizeGib,
              backend: v.backend,
              hostId: v.hostId,
              state: 'creating',
              storedBytes: null,
              live: null,
              error: null,
              createdAt: now,
              updatedAt: now,
              deletedAt: null,
            }),
          );
          const op = await openOperation(em, {
            tenantId,
            kind: 'snapshot.create',
            targetId: snapshot.id,
            hostId: v.hostId,
            generation: 0,
          });
          return { snapshot, op };
        }),
    );
    await this.queues.enqueue(op);
    return { operation: operationView(op), data: snapshotView(snapshot, 0) };
  }

  async list(
    tenantId: TenantId,
    opts: { volume?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<SnapshotView>> {
    const after = decodeCursor(opts.cursor);
    let volumeId: string | null = null;
    if (opts.volume !== undefined) {
      const v = await new VolumeRepository(this.ds.manager).findByRef(tenantId, opts.volume);
      if (!v) throw volumeNotFound(opts.volume);
      volumeId = v.id;
    }
    const result = await new SnapshotRepository(this.ds.manager).list(
      tenantId,
      { limit: opts.limit ?? DEFAULT_PAGE_LIMIT, ...(after ? { after } : {}) },
      (qb) => {
        if (volumeId) qb.andWhere('s.volume_id = :volumeId', { volumeId });
      },
    );
    const usage = await new UsageIntervalRepository(this.ds.manager).accruedBy(result.items.map((s) => s.id));
    return pageOf(
      result,
      (s) => snapshotView(s, usage.get(s.id) ?? 0),
      (s) => s.id,
    );
  }

  async get(tenantId: TenantId, ref: string): Promise<SnapshotView> {
    const s = await new SnapshotRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!s) throw snapshotNotFound(ref);
    const usage = await new UsageIntervalRepository(this.ds.manager).accruedBy([s.id]);
    return snapshotView(s, usage.get(s.id) ?? 0);
  }

  async delete(tenantId: TenantId, ref: string): Promise<AcceptedView<SnapshotView>> {
    const { snapshot, op, enqueue } = await inTransaction(this.ds, async (em) => {
      const s = await new SnapshotRepository(em).lockByRef(tenantId, ref);
      if (!s || s.state === 'deleted') throw snapshotNotFound(ref);
      if (await new VolumeRepository(em).isRestoringFrom(s.id)) {
        throw new DomainError(
          'snapshot/not_ready',
          `a volume is being restored from snapshot ${s.name}; delete it once the restore is done`,
        );
      }
      const { op, enqueue } = await beginStorageDeletion(em, s, {
        kind: 'snapshot.delete',
        notReady: 'snapshot/not_ready',
        noun: 'snapshot',
      });
      return { snapshot: s, op, enqueue };
    });
    if (enqueue) await this.queues.enqueue(op);
    const usage = await new UsageIntervalRepository(this.ds.manager).accruedBy([snapshot.id]);
    return { operation: operationView(op), data: snapshotView(snapshot, usage.get(snapshot.id) ?? 0) };
  }

  /** A new volume with the snapshot's data, on the snapshot's host; larger sizes get a grown filesystem. */
  async restore(
    tenantId: TenantId,
    ref: string,
    name: string,
    sizeGib?: number,
  ): Promise<AcceptedView<VolumeView>> {
    // The snapshot's host is read without a lock: the volume's insert reserves on its pool, whose trigger
    // refuses a full or non-ready host; the restore then runs again and says why from a fresh snapshot.
    const { volume, op } = await this.placement.placeWithin((place) =>
      onUniqueViolation(
        'volumes_tenant_name_uq',
        () =>
          new DomainError('volume/name_taken', `a volume named ${name} already exists; pick another name`),
        () =>
          inTransaction(this.ds, async (em) => {
            // The tenant's row first (the lock order of every create); the size is known only below.
            await assertWithinQuota(em, tenantId, this.config.quotas, {});
            const s = await new SnapshotRepository(em).lockByRef(tenantId, ref, 'share');
            if (!s || s.state === 'deleted') throw snapshotNotFound(ref);
            if (s.state !== 'available') {
              throw new DomainError(
                'snapshot/not_ready',
                `snapshot ${s.name} is ${s.state}; only an available snapshot can be restored`,
                { state: s.state },
              );
            }
            const size = sizeGib ?? s.sizeGib;
            validateVolumeSize(size);
            if (size < s.sizeGib) {
              throw new DomainError(
                'request/invalid',
                `snapshot ${s.name} is of a ${s.sizeGib} GB volume; restore it into ${s.sizeGib} GB or more`,
                { field: 'sizeGb', min: s.sizeGib },
              );
            }
            if (await new VolumeRepository(em).findByRef(tenantId, name)) {
              throw new DomainError(
                'volume/name_taken',
                `a volume named ${name} already exists; pick another name`,
              );
            }
            await assertWithinQuota(em, tenantId, this.config.quotas, { volumeGb: size });
            const hostId = await place(
              em,
              volumeAsk(size, (fleet) => {
                const pool = fleet.pools.find((p) => p.id === s.hostId);
                if (!pool || !hostAcceptsWork(pool.state)) throw hostNotReady(s.hostId, `snapshot ${s.name}`);
                if (pool.reservedGib + size > pool.capacityGib) {
                  throw new DomainError(
                    'capacity/unavailable',
                    `snapshot ${s.name} lives on host ${pool.id}, which has no room for a ${size} GB volume; a restore is made next to its snapshot`,
                  );
                }
                return pool.id;
              }),
            );
            const volume = await createVolume(em, {
              tenantId,
              name,
              sizeGib: size,
              hostId,
              sourceSnapshotId: s.id,
            });
            const op = await openOperation(em, {
              tenantId,
              kind: 'volume.create',
              targetId: volume.id,
              hostId: volume.hostId,
              generation: 0,
            });
            return { volume, op };
          }),
      ),
    );
    await this.queues.enqueue(op);
    return { operation: operationView(op), data: volumeView(volume, 0) };
  }
}

function snapshotNotFound(ref: string): DomainError {
  return new DomainError('snapshot/not_found', `snapshot ${ref} does not exist`);
}

function snapshotNameTaken(name: string): DomainError {
  return new DomainError('snapshot/name_taken', `a snapshot named ${name} already exists; pick another name`);
}

function hostNotReady(hostId: HostId | null, what: string): DomainError {
  return new DomainError(
    'host/not_ready',
    `${what} lives on host ${hostId ?? '?'}, which is not ready now; try again when it is back`,
    { hostId },
  );
}
