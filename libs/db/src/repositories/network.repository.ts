import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { isId, type TenantId } from '@berth/domain';
import { NetworkEntity } from '../entities/network.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked, type RowLock } from '../row-lock';

/** Live (not deleted) networks of one tenant; every read takes the tenant id. */
export class NetworkRepository {
  constructor(private readonly em: EntityManager) {}

  /** By id, or by name when `ref` is not a network id. */
  findByRef(tenantId: TenantId, ref: string): Promise<NetworkEntity | null> {
    return this.byRef(tenantId, ref).getOne();
  }

  /**
   * As findByRef, locked: `share` keeps the network from being deleted until the transaction ends (a
   * container is joining it); `update` is taken by the delete itself.
   */
  lockByRef(tenantId: TenantId, ref: string, lock: RowLock = 'update'): Promise<NetworkEntity | null> {
    return locked(this.byRef(tenantId, ref), lock).getOne();
  }

  private byRef(tenantId: TenantId, ref: string): SelectQueryBuilder<NetworkEntity> {
    return this.em
      .createQueryBuilder(NetworkEntity, 'n')
      .where('n.tenant_id = :tenantId AND n.deleted_at IS NULL', { tenantId })
      .andWhere(isId('net', ref) ? 'n.id = :ref' : 'n.name = :ref', { ref });
  }

  listAll(tenantId: TenantId): Promise<NetworkEntity[]> {
    return this.em
      .createQueryBuilder(NetworkEntity, 'n')
      .where('n.tenant_id = :tenantId AND n.deleted_at IS NULL', { tenantId })
      .orderBy('n.id', 'ASC')
      .getMany();
  }

  list(tenantId: TenantId, page: PageRequest): Promise<PageResult<NetworkEntity>> {
    const qb = this.em
      .createQueryBuilder(NetworkEntity, 'n')
      .where('n.tenant_id = :tenantId AND n.deleted_at IS NULL', { tenantId });
    return pageBy(qb, 'n.id', page);
  }
}
