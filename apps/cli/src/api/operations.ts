import type { OperationView } from '@berth/contracts';
import type { Api } from './api';
import { seg } from './api';
import { ApiError, CliError } from './errors';

export interface WaitOptions {
  /**
   * Seconds each request holds for. Short when someone watches progress (an answer only comes when
   * the operation ends or the wait is up), long otherwise to make few requests.
   */
  readonly pollSeconds?: number;
  /** Called with each state seen, progress included. */
  readonly onUpdate?: (op: OperationView) => void;
}

export function isOperationDone(op: OperationView): boolean {
  return op.state === 'succeeded' || op.state === 'failed' || op.state === 'superseded';
}

/**
 * Polls an operation until it has ended, whatever the outcome, looping `?wait=N` (the API caps N)
 * for as long as it takes. Ctrl-C ends the wait (InterruptedError), never the operation.
 */
export async function waitUntilDone(api: Api, id: string, opts: WaitOptions = {}): Promise<OperationView> {
  const poll = opts.pollSeconds ?? 30;
  for (;;) {
    const op = await api.get<OperationView>(`/v1/operations/${seg(id)}`, { wait: poll });
    opts.onUpdate?.(op);
    if (isOperationDone(op)) return op;
  }
}

/**
 * Waits for an operation to end and resolves with it when it succeeded; a failed one throws its
 * coded error, a superseded one `operation/superseded`.
 */
export async function waitForOperation(api: Api, id: string, opts: WaitOptions = {}): Promise<OperationView> {
  return settled(await waitUntilDone(api, id, opts));
}

/** Returns a succeeded operation, or throws what made it end otherwise. */
export function settled(op: OperationView): OperationView {
  switch (op.state) {
    case 'succeeded':
      return op;
    case 'failed':
      throw new ApiError(
        op.error?.code ?? 'operation/failed',
        op.error?.message ?? `${op.kind} failed`,
        0,
        undefined,
      );
    case 'superseded':
      throw new CliError(
        'operation/superseded',
        `${op.kind} ${op.id} was replaced by a newer action on ${op.targetId}`,
      );
    case 'pending':
    case 'running':
      return op;
  }
}

/** Pull progress as the agent reports it in `operation.progress`. */
export interface PullProgress {
  readonly phase: string;
  readonly bytesDone: number | undefined;
  readonly bytesTotal: number | undefined;
}

export function pullProgress(op: OperationView): PullProgress | undefined {
  const p = op.progress;
  if (!p || typeof p.phase !== 'string') return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { phase: p.phase, bytesDone: num(p.bytesDone), bytesTotal: num(p.bytesTotal) };
}

/** How the container of a create or start started, as the API words it in `progress.start.message`. */
export function startMessage(op: OperationView): string | undefined {
  const start = op.progress?.start;
  if (typeof start !== 'object' || start === null) return undefined;
  const message = (start as Record<string, unknown>).message;
  return typeof message === 'string' ? message : undefined;
}
