import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in another transaction that gives up on a lock after 300 ms: its result, or 'blocked'.
 * For specs that show what a transaction's locks keep out (and what they let through) while it holds them.
 */
export function inAnotherTransaction<T>(
  ds: DataSource,
  work: (em: EntityManager) => Promise<T>,
): Promise<T | 'blocked'> {
  return ds.transaction(async (em) => {
    await em.query(`SET LOCAL lock_timeout = '300ms'`);
    try {
      return await work(em);
    } catch (err) {
      if (err instanceof Error && /lock timeout/.test(err.message)) return 'blocked' as const;
      throw err;
    }
  });
}
