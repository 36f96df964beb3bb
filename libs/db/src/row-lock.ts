import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * The one lock idiom of the repositories: a read that locks is a method named `lock...`, and it locks
 * through `locked`. `share` (FOR SHARE) keeps the rows from changing or being deleted until the
 * transaction ends (a container joining a network, a snapshot being taken of a volume); `update`
 * (FOR UPDATE) is taken by the transaction that changes or deletes them. The caller must be inside a
 * transaction.
 */
export type RowLock = 'share' | 'update';

export function locked<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  lock: RowLock = 'update',
): SelectQueryBuilder<T> {
  return qb.setLock(lock === 'share' ? 'pessimistic_read' : 'pessimistic_write');
}

/**
 * The lock for what has no row to lock yet (a free block, a free address): the named advisory lock,
 * held until the transaction ends, one holder at a time. A repository's `lock...` method takes it under
 * a name of its own table (`berth.networks`, `berth.floating_ips`). The caller must be inside a
 * transaction.
 */
export async function lockedName(em: EntityManager, name: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [name]);
}
