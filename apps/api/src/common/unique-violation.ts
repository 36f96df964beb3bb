import { QueryFailedError } from 'typeorm';
import type { DomainError } from '@berth/domain';

/** The unique constraint a failed query broke, if that is why it failed. */
export function violatedConstraint(err: unknown): string | undefined {
  return err instanceof QueryFailedError
    ? (err.driverError as { constraint?: string }).constraint
    : undefined;
}

/**
 * Runs `work`; when it breaks the unique constraint `constraint` (two requests raced for one name),
 * throws `error()` instead, so that the loser of the race gets the same coded 409 as a later request.
 */
export async function onUniqueViolation<T>(
  constraint: string,
  error: () => DomainError,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (violatedConstraint(err) === constraint) throw error();
    throw err;
  }
}
