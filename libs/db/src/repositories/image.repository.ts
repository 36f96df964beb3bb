import type { EntityManager } from 'typeorm';
import type { HostId, ImageId, TenantId } from '@berth/domain';
import { ImageEntity } from '../entities/image.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked } from '../row-lock';

/** Images a tenant pulled; every read takes the tenant id. */
export class ImageRepository {
  constructor(private readonly em: EntityManager) {}

  /** By id, or by reference (as `docker rmi busybox` does). */
  findByRef(tenantId: TenantId, ref: string): Promise<ImageEntity | null> {
    return this.em.findOne(ImageEntity, {
      where: ref.startsWith('img_') ? { tenantId, id: ref as ImageId } : { tenantId, reference: ref },
    });
  }

  /** The tenant's image of `reference`, locked until the transaction ends (a pull rewrites it). */
  lockByReference(tenantId: TenantId, reference: string): Promise<ImageEntity | null> {
    return locked(
      this.em
        .createQueryBuilder(ImageEntity, 'i')
        .where('i.tenant_id = :tenantId AND i.reference = :reference', { tenantId, reference }),
    ).getOne();
  }

  /** The references of the tenant's images with an image pull open on the host. */
  async referencesBeingPulledOn(tenantId: TenantId, hostId: HostId): Promise<string[]> {
    const rows = await this.em
      .createQueryBuilder(ImageEntity, 'i')
      .select('i.reference', 'reference')
      .where('i.host_id = :hostId AND i.tenant_id = :tenantId', { hostId, tenantId })
      .andWhere(
        `EXISTS (SELECT 1 FROM operations o WHERE o.target_id = i.id AND o.host_id = :hostId
         AND o.state IN ('pending', 'running') AND o.kind = 'image.pull')`,
      )
      .getRawMany<{ reference: string }>();
    return rows.map((r) => r.reference);
  }

  list(tenantId: TenantId, page: PageRequest): Promise<PageResult<ImageEntity>> {
    return pageBy(
      this.em.createQueryBuilder(ImageEntity, 'i').where('i.tenant_id = :tenantId', { tenantId }),
      'i.id',
      page,
    );
  }
}
