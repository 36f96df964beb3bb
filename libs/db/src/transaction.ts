import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one transaction. Callers that lock rows take them in a fixed order (hosts by id,
 * then containers) so that two transactions never wait on each other in a cycle.
 */
export function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction('READ COMMITTED', work);
}
