/*
 * Operation state machine. An operation is the API's record of one asynchronous action (the
 * 202 answer a client polls).
 *
 *             agent picks it up
 *   pending ------------------> running
 *      |                           |
 *      +--> succeeded <------------+     terminal: the work finished
 *      +--> failed    <------------+     terminal: the work cannot finish
 *      +--> superseded <-----------+     terminal: a later action on the same object replaced it
 *
 * pending may end without running: the agent can find the work already done (idempotent
 * hooks), or fail it while checking, or a later action can replace it while still queued.
 */

export const OPERATION_STATES = ['pending', 'running', 'succeeded', 'failed', 'superseded'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export const OPERATION_KINDS = [
  'container.create',
  'container.start',
  'container.stop',
  'container.restart',
  'container.delete',
  'container.exec',
  'image.pull',
  'volume.create',
  'volume.delete',
  'snapshot.create',
  'snapshot.delete',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_TRANSITIONS: { readonly [S in OperationState]: readonly OperationState[] } = {
  pending: ['running', 'succeeded', 'failed', 'superseded'],
  running: ['succeeded', 'failed', 'superseded'],
  succeeded: [],
  failed: [],
  superseded: [],
};

export function isOperationState(value: unknown): value is OperationState {
  return typeof value === 'string' && (OPERATION_STATES as readonly string[]).includes(value);
}

export function isOperationKind(value: unknown): value is OperationKind {
  return typeof value === 'string' && (OPERATION_KINDS as readonly string[]).includes(value);
}

/**
 * `to` when an operation in `from` may move to `to`, null otherwise. Staying in the same state
 * is not a transition (a terminal operation is never rewritten, so a retried job cannot flip
 * a recorded outcome).
 */
export function nextOperationState(from: OperationState, to: OperationState): OperationState | null {
  return OPERATION_TRANSITIONS[from].includes(to) ? to : null;
}

/** True once the operation has an outcome; clients stop polling. */
export function isOperationDone(state: OperationState): boolean {
  return OPERATION_TRANSITIONS[state].length === 0;
}

/** An operation's fields after a change. */
export interface OperationPatch {
  readonly state: OperationState;
  readonly updatedAt: Date;
  readonly startedAt?: Date;
  readonly completedAt?: Date;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
}

/**
 * What moving an operation from `from` to `to` at `at` writes, or null when it may not move (a repeat,
 * or an operation already finished: its outcome is never rewritten). A finished operation carries its
 * error, or none.
 */
export function planOperationChange(
  from: OperationState,
  to: OperationState,
  at: Date,
  error?: { readonly code: string; readonly message: string } | null,
): OperationPatch | null {
  if (nextOperationState(from, to) === null) return null;
  if (to === 'running') return { state: to, startedAt: at, updatedAt: at };
  return {
    state: to,
    completedAt: at,
    updatedAt: at,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
  };
}
