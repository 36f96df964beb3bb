import type { Job } from 'bullmq';
import { AGENT_JOB_NAMES, type AgentJobName } from '@berth/queue';

/** Carries out one job taken from the host's queue; what it resolves with is the job's return value. */
export type JobHandler = (job: Job) => Promise<string>;

/** Exactly one handler for each job name the API can enqueue (a missing one does not compile). */
export type JobHandlerTable = { readonly [N in AgentJobName]: JobHandler };

/**
 * Checked before the agent consumes its queue: every job name the API can enqueue has a handler, and
 * the table names no job the API never sends. A table built wrong fails start-up, not a job hours later.
 */
export function checkJobHandlers(
  table: Readonly<Record<string, unknown>>,
  names: readonly string[] = AGENT_JOB_NAMES,
): void {
  const missing = names.filter((n) => typeof table[n] !== 'function');
  const unknown = Object.keys(table).filter((n) => !names.includes(n));
  if (missing.length === 0 && unknown.length === 0) return;
  throw new Error(
    'the job handler table does not match the jobs the API enqueues: ' +
      [
        ...(missing.length > 0 ? [`no handler for ${missing.join(', ')}`] : []),
        ...(unknown.length > 0 ? [`handlers for jobs never enqueued: ${unknown.join(', ')}`] : []),
      ].join('; '),
  );
}

/** The handler for a job's name; null for a name that is not in the table (or an inherited key). */
export function handlerFor(table: JobHandlerTable, name: string): JobHandler | null {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name as AgentJobName] : null;
}
