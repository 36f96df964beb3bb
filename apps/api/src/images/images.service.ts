import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AcceptedView, ImageView, Page } from '@berth/contracts';
import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  HostReservationRepository,
  ImageEntity,
  inTransaction,
  ImageRepository,
  OperationEntity,
  pageOf,
} from '@berth/db';
import { DomainError, newId, placeContainer, type TenantId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { openOperation, supersedeOpenOperations } from '../operations/operation-ledger';
import { operationView } from '../operations/operation.view';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { imageView } from './image.view';

/**
 * A tenant's images. A pull is carried out by one host's agent, which resolves the reference to a
 * manifest digest, downloads and verifies the layers, and caches the root filesystem; the record here
 * then holds the digest, size and config. Other hosts pull on demand when a container needs the image.
 */
@Injectable()
export class ImagesService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async pull(tenantId: TenantId, reference: string): Promise<AcceptedView<ImageView>> {
    const { image, op } = await inTransaction(this.ds, async (em) => {
      const hosts = await new HostReservationRepository(em).readyHosts();
      // Pulling needs disk, not vCPU or memory: place it as the smallest possible container.
      const hostId = placeContainer(
        hosts,
        { vcpu: 0, memoryMib: 0, diskGib: 1 },
        this.config.placementPolicy,
      );
      const now = new Date();
      const existing = await new ImageRepository(em).lockByReference(tenantId, reference);
      const image =
        existing ??
        em.create(ImageEntity, {
          id: newId('img'),
          tenantId,
          reference,
          digest: null,
          sizeBytes: null,
          config: null,
          createdAt: now,
        });
      image.state = 'pulling';
      image.hostId = hostId;
      image.error = null;
      image.updatedAt = now;
      await em.save(image);
      await supersedeOpenOperations(em, image.id);
      const op = await openOperation(em, {
        tenantId,
        kind: 'image.pull',
        targetId: image.id,
        hostId,
        generation: 0,
      });
      return { image, op };
    });
    await this.queues.enqueue(op);
    return { operation: operationView(op), data: imageView(image) };
  }

  async list(tenantId: TenantId, limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<ImageView>> {
    const after = decodeCursor(cursor);
    const page = await new ImageRepository(this.ds.manager).list(tenantId, {
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(page, imageView, (i) => i.id);
  }

  async get(tenantId: TenantId, ref: string): Promise<ImageView> {
    return imageView(await this.find(tenantId, ref));
  }

  /**
   * Forgets the image. Host caches are shared by digest between tenants and are not touched here;
   * running containers keep their root filesystem.
   */
  async remove(tenantId: TenantId, ref: string): Promise<ImageView> {
    const image = await this.find(tenantId, ref);
    await inTransaction(this.ds, async (em) => {
      await supersedeOpenOperations(em, image.id);
      await em.delete(ImageEntity, { id: image.id });
    });
    return imageView(image);
  }

  private async find(tenantId: TenantId, ref: string): Promise<ImageEntity> {
    const image = await new ImageRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!image) throw new DomainError('image/not_found', `image ${ref} does not exist`);
    return image;
  }
}

export type { OperationEntity };
