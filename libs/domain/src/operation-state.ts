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
