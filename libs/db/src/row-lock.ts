import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

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
