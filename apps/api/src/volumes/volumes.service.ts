import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AcceptedView, Page, VolumeView } from '@berth/contracts';
import {
  ContainerEntity,
  ContainerRepository,
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  inTransaction,
  pageOf,
  SnapshotRepository,
  UsageIntervalRepository,
  type VolumeEntity,
  VolumeRepository,
} from '@berth/db';
import {
  DEFAULT_VOLUME_GIB,
  DomainError,
  placeVolume,
  validateVolumeSize,
  type TenantId,
} from '@berth/domain';
import { onUniqueViolation } from '../common/unique-violation';
import { operationView } from '../operations/operation.view';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { assertWithinQuota } from '../quotas/quota-guard';
import { volumeView } from './storage.view';
import { FleetPlacementService } from '../hosts/fleet-placement.service';
import { volumeAsk } from '../hosts/fleet-placement';
import { beginStorageDeletion, createVolume } from './storage-changes';

/**
 * A tenant's block volumes. An empty volume is available at once: its host makes the sparse file and
 * formats it when a container first uses it. Deleting one is refused while a container holds it.
 */
@Injectable()
export class VolumesService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    private readonly placement: FleetPlacementService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(tenantId: TenantId, name: string, sizeGib = DEFAULT_VOLUME_GIB): Promise<VolumeView> {
    validateVolumeSize(sizeGib);
    // Placed on the fleet's snapshot without locking it: the insert reserves on the chosen host's pool,
    // whose trigger refuses a full or non-ready host, and the create runs again elsewhere.
    const volume = await this.placement.placeWithin((place) =>
      onUniqueViolation(
        'volumes_tenant_name_uq',
        () => volumeNameTaken(name),
        () =>
          inTransaction(this.ds, async (em) => {
            await assertWithinQuota(em, tenantId, this.config.quotas, { volumeGb: sizeGib });
            if (await new VolumeRepository(em).findByRef(tenantId, name)) throw volumeNameTaken(name);
            const hostId = await place(
              em,
              volumeAsk(sizeGib, (fleet) => placeVolume(fleet.pools, sizeGib)),
            );
            return createVolume(em, { tenantId, name, sizeGib, hostId });
          }),
      ),
    );
    return volumeView(volume, 0);
  }

  async list(tenantId: TenantId, limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<VolumeView>> {
    const after = decodeCursor(cursor);
    const result = await new VolumeRepository(this.ds.manager).list(tenantId, {
      limit,
      ...(after ? { after } : {}),
    });
    const views = await this.views(this.ds.manager, tenantId, result.items);
    return pageOf(
      result,
      (v) => views.get(v.id) ?? volumeView(v, 0),
      (v) => v.id,
    );
  }

  async get(tenantId: TenantId, ref: string): Promise<VolumeView> {
    const v = await new VolumeRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!v) throw volumeNotFound(ref);
    return (await this.views(this.ds.manager, tenantId, [v])).get(v.id) ?? volumeView(v, 0);
  }

  /**
   * Deletes a detached volume: it stops accruing now, and its host removes the file. On a lost host
   * it ends at once; the agent removes the file when it comes back (it keeps only what the API lists).
   */
  async delete(tenantId: TenantId, ref: string): Promise<AcceptedView<VolumeView>> {
    const { volume, op, enqueue } = await inTransaction(this.ds, async (em) => {
      const v = await new VolumeRepository(em).lockByRef(tenantId, ref);
      if (!v || v.state === 'deleted') throw volumeNotFound(ref);
      if (v.containerId) {
        const c = await em.findOne(ContainerEntity, { where: { id: v.containerId } });
        throw new DomainError(
          'volume/in_use',
          `volume ${v.name} is attached to container ${c?.name ?? v.containerId} at ${v.mountPath ?? '?'}; delete the container first`,
          { containerId: v.containerId },
        );
      }
      if (await new SnapshotRepository(em).isBeingMadeOf(v.id)) {
        throw new DomainError(
          'volume/in_use',
          `a snapshot of volume ${v.name} is being made; delete the volume once it is done`,
        );
      }
      const { op, enqueue } = await beginStorageDeletion(em, v, {
        kind: 'volume.delete',
        notReady: 'volume/not_ready',
        noun: 'volume',
      });
      return { volume: v, op, enqueue };
    });
    if (enqueue) await this.queues.enqueue(op);
    return {
      operation: operationView(op),
      data: (await this.views(this.ds.manager, tenantId, [volume])).get(volume.id) ?? volumeView(volume, 0),
    };
  }

  /** Views with usage and the attached container's name, in two queries for any number of volumes. */
  private async views(
    em: EntityManager,
    tenantId: TenantId,
    volumes: readonly VolumeEntity[],
  ): Promise<Map<string, VolumeView>> {
    const usage = await new UsageIntervalRepository(em).accruedBy(volumes.map((v) => v.id));
    const names = await new ContainerRepository(em).namesOf(
      tenantId,
      volumes.flatMap((v) => (v.containerId ? [v.containerId] : [])),
    );
    return new Map(
      volumes.map((v) => [
        v.id,
        volumeView(v, usage.get(v.id) ?? 0, v.containerId ? (names.get(v.containerId) ?? null) : null),
      ]),
    );
  }
}

export function volumeNotFound(ref: string): DomainError {
  return new DomainError('volume/not_found', `volume ${ref} does not exist`);
}

function volumeNameTaken(name: string): DomainError {
  return new DomainError('volume/name_taken', `a volume named ${name} already exists; pick another name`);
}
