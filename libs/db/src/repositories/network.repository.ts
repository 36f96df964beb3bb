import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { isId, type TenantId } from '@berth/domain';
import { NetworkEntity } from '../entities/network.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked, lockedName, type RowLock } from '../row-lock';

/**
 * Live (not deleted) networks of one tenant; every read takes the tenant id, except the fleet-wide
 * ones a new network's block is chosen from (blocks are unique across all tenants).
 */
export class NetworkRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Takes network creation for the rest of the transaction, fleet-wide, so that two concurrent creates
   * cannot both pass the overlap check (a free block has no row to lock).
   */
  lockCreation(): Promise<void> {
    return lockedName(this.em, 'berth.networks');
  }

  /** The blocks of every live network, of every tenant. */
  async liveCidrs(): Promise<string[]> {
    const rows: { cidr: string }[] = await this.em.query(
      `SELECT cidr FROM networks WHERE deleted_at IS NULL`,
    );
    return rows.map((r) => r.cidr);
  }

  /** A VXLAN id never given before (a sequence, so never reused, even after a delete). */
  async nextVni(): Promise<number> {
    const [{ vni }] = await this.em.query<[{ vni: number }]>(
      `SELECT nextval('networks_vni_seq')::integer AS vni`,
    );
    return vni;
  }

  /** Inserts a new network; a taken name breaks `networks_tenant_name_uq`. */
  insert(network: NetworkEntity): Promise<NetworkEntity> {
    return this.em.save(this.em.create(NetworkEntity, network));
  }

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
