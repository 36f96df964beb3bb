import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { isId, type SecurityGroupId, type TenantId } from '@berth/domain';
import { SecurityGroupEntity } from '../entities/security-group.entity';
import { SecurityRuleEntity } from '../entities/security-rule.entity';
import { pageBy, type PageRequest, type PageResult } from '../pagination';
import { locked, type RowLock } from '../row-lock';

/** Security groups of one tenant, and their rules; every read takes the tenant id. */
export class SecurityGroupRepository {
  constructor(private readonly em: EntityManager) {}

  /** By id, or by name when `ref` is not a group id. */
  findByRef(tenantId: TenantId, ref: string): Promise<SecurityGroupEntity | null> {
    return this.byRef(tenantId, ref).getOne();
  }

  /** As findByRef, locked (see RowLock). */
  lockByRef(tenantId: TenantId, ref: string, lock: RowLock = 'update'): Promise<SecurityGroupEntity | null> {
    return locked(this.byRef(tenantId, ref), lock).getOne();
  }

  /**
   * The ids among `ids` of this tenant's groups, locked in id order, so that two transactions locking
   * groups that name each other never wait on each other.
   */
  async lockIds(tenantId: TenantId, ids: readonly SecurityGroupId[]): Promise<SecurityGroupId[]> {
    if (ids.length === 0) return [];
    const rows = await locked(
      this.em
        .createQueryBuilder(SecurityGroupEntity, 'g')
        .where('g.tenant_id = :tenantId AND g.id IN (:...ids)', { tenantId, ids })
        .orderBy('g.id', 'ASC'),
    ).getMany();
    return rows.map((g) => g.id);
  }

  /**
   * Names of up to `limit` other groups whose rules name `groupId`, by name. A rule names only groups
   * of its own tenant, so these are the group's tenant's.
   */
  async namesReferencing(groupId: SecurityGroupId, limit: number): Promise<string[]> {
    const rows: { name: string }[] = await this.em.query(
      `SELECT DISTINCT g.name FROM security_rules r JOIN security_groups g ON g.id = r.group_id
        WHERE r.remote_group_id = $1 AND r.group_id <> $1 ORDER BY g.name LIMIT $2`,
      [groupId, limit],
    );
    return rows.map((r) => r.name);
  }

  private byRef(tenantId: TenantId, ref: string): SelectQueryBuilder<SecurityGroupEntity> {
    return this.em
      .createQueryBuilder(SecurityGroupEntity, 'g')
      .where('g.tenant_id = :tenantId', { tenantId })
      .andWhere(isId('sg', ref) ? 'g.id = :ref' : 'g.name = :ref', { ref });
  }

  list(tenantId: TenantId, page: PageRequest): Promise<PageResult<SecurityGroupEntity>> {
    const qb = this.em
      .createQueryBuilder(SecurityGroupEntity, 'g')
      .where('g.tenant_id = :tenantId', { tenantId });
    return pageBy(qb, 'g.id', page);
  }

  /** The rules of the tenant's groups `groupIds`, in creation order. */
  async rulesOf(
    tenantId: TenantId,
    groupIds: readonly SecurityGroupId[],
  ): Promise<Map<SecurityGroupId, SecurityRuleEntity[]>> {
    const out = new Map<SecurityGroupId, SecurityRuleEntity[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return out;
    const rows = await this.em
      .createQueryBuilder(SecurityRuleEntity, 'r')
      .innerJoin(SecurityGroupEntity, 'g', 'g.id = r.group_id')
      .where('g.tenant_id = :tenantId AND r.group_id IN (:...groupIds)', { tenantId, groupIds })
      .orderBy('r.id', 'ASC')
      .getMany();
    for (const r of rows) out.get(r.groupId)?.push(r);
    return out;
  }
}
