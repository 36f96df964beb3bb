import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import {
  HOST_LOCAL_BACKEND,
  initialVolumeState,
  isId,
  newId,
  type ContainerId,
  type HostId,
  type TenantId,
} from '@berth/domain';
import { SnapshotEntity } from '../entities/snapshot.entity';
import { VolumeEntity } from '../entities/volume.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked, type RowLock } from '../row-lock';

type Storage = VolumeEntity | SnapshotEntity;

/**
 * A tenant's volumes or snapshots; every read takes the tenant id. By id a deleted one is still found
 * (its history and usage stay readable); by name only a live one, since names are reused.
 */
class StorageRepository<T extends Storage & ObjectLiteral> {
  constructor(
    protected readonly em: EntityManager,
    private readonly entity: new () => T,
    private readonly idPrefix: 'vol' | 'snap',
  ) {}

  findByRef(tenantId: TenantId, ref: string): Promise<T | null> {
    return this.byRef(tenantId, ref).getOne();
  }

  /** As findByRef, locked (see RowLock). */
  lockByRef(tenantId: TenantId, ref: string, lock: RowLock = 'update'): Promise<T | null> {
    return locked(this.byRef(tenantId, ref), lock).getOne();
  }

  private byRef(tenantId: TenantId, ref: string): SelectQueryBuilder<T> {
    const qb = this.em.createQueryBuilder(this.entity, 's').where('s.tenant_id = :tenantId', { tenantId });
    if (isId(this.idPrefix, ref)) qb.andWhere('s.id = :ref', { ref });
    else qb.andWhere(`s.name = :ref AND s.state <> 'deleted'`, { ref });
    return qb;
  }

  /** By id whatever its tenant, locked (a storage operation's result, reported by the target's host). */
  lockById(id: string): Promise<T | null> {
    return locked(this.em.createQueryBuilder(this.entity, 's').where('s.id = :id', { id })).getOne();
  }

  /** The ids of the live ones on a host's pool, in id order (what the host must keep). */
  async liveIdsOnHost(hostId: HostId): Promise<string[]> {
    const table = this.em.connection.getMetadata(this.entity).tableName;
    const rows: { id: string }[] = await this.em.query(
      `SELECT id FROM ${table} WHERE host_id = $1 AND state <> 'deleted' ORDER BY id`,
      [hostId],
    );
    return rows.map((r) => r.id);
  }

  list(
    tenantId: TenantId,
    page: PageRequest,
    filter: (qb: SelectQueryBuilder<T>) => void = () => undefined,
  ): Promise<PageResult<T>> {
    const qb = this.em
      .createQueryBuilder(this.entity, 's')
      .where(`s.tenant_id = :tenantId AND s.state <> 'deleted'`, { tenantId });
    filter(qb);
    return pageBy(qb, 's.id', page);
  }
}

export class VolumeRepository extends StorageRepository<VolumeEntity> {
  constructor(em: EntityManager) {
    super(em, VolumeEntity, 'vol');
  }

  /** Writes a new volume row: empty, or restored from a snapshot by its host (initialVolumeState). */
  insert(
    v: {
      tenantId: TenantId;
      name: string;
      sizeGib: number;
      hostId: HostId;
      sourceSnapshotId?: VolumeEntity['sourceSnapshotId'];
    },
    at: Date,
  ): Promise<VolumeEntity> {
    return this.em.save(
      this.em.create(VolumeEntity, {
        id: newId('vol'),
        tenantId: v.tenantId,
        name: v.name,
        sizeGib: v.sizeGib,
        backend: HOST_LOCAL_BACKEND,
        hostId: v.hostId,
        state: initialVolumeState(v.sourceSnapshotId != null),
        sourceSnapshotId: v.sourceSnapshotId ?? null,
        containerId: null,
        mountPath: null,
        deviceIndex: null,
        error: null,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      }),
    );
  }

  /** Gives the volume to a container, mounted at `path` in device slot `slot`. */
  async attach(
    v: VolumeEntity,
    containerId: ContainerId,
    path: string,
    slot: number,
    at: Date,
  ): Promise<void> {
    v.containerId = containerId;
    v.mountPath = path;
    v.deviceIndex = slot;
    v.updatedAt = at;
    await this.em.save(v);
  }

  /** Once a container is gone (its VM too), its volumes are free for another writer. */
  /** Whether a host-local volume is attached to the container: it then runs only on that volume's host. */
  async hasHostLocalAttached(containerId: ContainerId): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `SELECT 1 FROM volumes WHERE container_id = $1 AND backend = $2 LIMIT 1`,
      [containerId, HOST_LOCAL_BACKEND],
    );
    return rows.length > 0;
  }

  async releaseContainer(containerId: ContainerId): Promise<void> {
    await this.em.query(
      `UPDATE volumes SET container_id = NULL, mount_path = NULL, device_index = NULL, updated_at = now()
        WHERE container_id = $1`,
      [containerId],
    );
  }

  /** Whether a volume is being restored from this snapshot (its file is being read). */
  async isRestoringFrom(snapshotId: string): Promise<boolean> {
    const restoring: unknown[] = await this.em.query(
      `SELECT 1 FROM volumes WHERE source_snapshot_id = $1 AND state = 'creating' LIMIT 1`,
      [snapshotId],
    );
    return restoring.length > 0;
  }

  /** The volumes mounted into these containers, by slot. */
  attachedTo(containerIds: readonly string[]): Promise<VolumeEntity[]> {
    if (containerIds.length === 0) return Promise.resolve([]);
    return this.em
      .createQueryBuilder(VolumeEntity, 'v')
      .where('v.container_id IN (:...ids)', { ids: containerIds })
      .orderBy('v.container_id', 'ASC')
      .addOrderBy('v.device_index', 'ASC')
      .getMany();
  }
}

export class SnapshotRepository extends StorageRepository<SnapshotEntity> {
  constructor(em: EntityManager) {
    super(em, SnapshotEntity, 'snap');
  }

  /** Whether a snapshot of this volume is being made (the volume's file is being copied). */
  async isBeingMadeOf(volumeId: string): Promise<boolean> {
    const copying: unknown[] = await this.em.query(
      `SELECT 1 FROM snapshots WHERE volume_id = $1 AND state = 'creating' LIMIT 1`,
      [volumeId],
    );
    return copying.length > 0;
  }
}
