import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/**
 * Runs `work` in one READ COMMITTED transaction. Callers that lock rows take them in a fixed order
 * (hosts by id, then containers) so that two transactions never wait on each other in a cycle. Every
 * connection's default isolation is READ COMMITTED (data-source-options.ts sets it), so no SET
 * TRANSACTION is sent: one round trip less on every write.
 */
export function inTransaction<T>(ds: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(work);
}

/** How often a snapshot transaction that lost a write race is run again before its error is thrown. */
const SNAPSHOT_ATTEMPTS = 3;

/**
 * Runs `work` in one REPEATABLE READ transaction: every statement sees the same snapshot, taken at the
 * first one, so what `work` reads agrees with itself (an agent's work bundle). A row it writes or locks
 * that another transaction changed after the snapshot fails with a serialization error (40001); the
 * whole of `work` is then run again on a fresh snapshot, so `work` must only touch the database.
 */
export async function inSnapshotTransaction<T>(
  ds: DataSource,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.transaction('REPEATABLE READ', work);
    } catch (err) {
      if (attempt >= SNAPSHOT_ATTEMPTS || !isSerializationFailure(err)) throw err;
    }
  }
}

function isSerializationFailure(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '40001';
}
