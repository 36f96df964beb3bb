import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { HostId } from '@berth/domain';
import { HostEntity } from '../entities/host.entity';
import { locked } from '../row-lock';

/** Hosts as placement reads them: the fleet's, not a tenant's. */
export class HostRepository {
  constructor(private readonly em: EntityManager) {}

  /** Every ready host, or the hosts named by `onlyIds` whatever their state, in id order. */
  findForPlacement(onlyIds?: readonly HostId[]): Promise<HostEntity[]> {
    return this.forPlacement(onlyIds).getMany();
  }

  /**
   * As findForPlacement, locked until the transaction ends: two concurrent placements then see each
   * other's reservations and never over-commit. Every path that locks hosts locks them in id order.
   */
  lockForPlacement(onlyIds?: readonly HostId[]): Promise<HostEntity[]> {
    return locked(this.forPlacement(onlyIds)).getMany();
  }

  /** One host by id, locked until the transaction ends (a heartbeat, the reaper, a registration). */
  lockById(id: HostId): Promise<HostEntity | null> {
    return locked(this.em.createQueryBuilder(HostEntity, 'h').where('h.id = :id', { id })).getOne();
  }

  /** One host by name, locked (a registration under a name already taken). */
  lockByName(name: string): Promise<HostEntity | null> {
    return locked(this.em.createQueryBuilder(HostEntity, 'h').where('h.name = :name', { name })).getOne();
  }

  /** One host by id or name, as an operator names it, locked. */
  lockByRef(ref: string): Promise<HostEntity | null> {
    return locked(
      this.em.createQueryBuilder(HostEntity, 'h').where('h.id = :ref OR h.name = :ref', { ref }),
    ).getOne();
  }

  /**
   * The hosts in service (ready or draining) whose last heartbeat is older than `lostAfterMs`, in id
   * order, by the database's clock.
   */
  async silentFor(lostAfterMs: number): Promise<HostId[]> {
    const stale: { id: HostId }[] = await this.em.query(
      `SELECT id FROM hosts WHERE state IN ('ready', 'draining')
        AND last_heartbeat_at < now() - make_interval(secs => $1::double precision / 1000) ORDER BY id`,
      [lostAfterMs],
    );
    return stale.map((r) => r.id);
  }

  private forPlacement(onlyIds?: readonly HostId[]): SelectQueryBuilder<HostEntity> {
    const qb = this.em.createQueryBuilder(HostEntity, 'h').orderBy('h.id', 'ASC');
    if (onlyIds) qb.where('h.id IN (:...ids)', { ids: onlyIds.length > 0 ? onlyIds : [''] });
    else qb.where(`h.state = 'ready'`);
    return qb;
  }
}
