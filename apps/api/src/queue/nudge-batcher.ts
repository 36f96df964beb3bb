import type { HostId } from '@berth/domain';

/** Sends one batch of nudges, each host once; must not reject (failures are the sender's to log). */
export type NudgeSender = (hostIds: readonly HostId[]) => Promise<void>;

interface Batch {
  readonly sent: Promise<void>;
  readonly resolve: () => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  const sent = new Promise<void>((r) => (resolve = r));
  return { sent, resolve };
}

/**
 * Coalesces one API process's data-plane nudges: each host is sent at most one nudge per window. A
 * nudge after a quiet window goes out at once (no wait when the API is idle); the nudges that arrive
 * while a batch is in flight, or within the window after it started, wait and go out together, each host
 * once. So under load a host costs one `host.sync` add per window, whatever the number of commits that
 * changed its data plane, and the adds of a window leave in one batch.
 *
 * A nudge's promise resolves when the batch that carries it was sent (or failed: a nudge is advisory,
 * the agent also polls), never rejects. `close` sends what is still waiting.
 */
export class NudgeBatcher {
  private pending = new Set<HostId>();
  private batch: Batch | null = null;
  private sending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly send: NudgeSender,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  nudge(hostIds: Iterable<HostId | null>): Promise<void> {
    let any = false;
    for (const id of hostIds) {
      if (!id) continue;
      this.pending.add(id);
      any = true;
    }
    if (!any) return Promise.resolve();
    this.batch ??= newBatch();
    const sent = this.batch.sent;
    this.schedule();
    return sent;
  }

  /** Resolves once every nudge made so far has been sent (or failed): nothing waits and nothing is in flight. */
  async idle(): Promise<void> {
    while (this.sending || this.pending.size > 0) await (this.batch?.sent ?? this.sending);
  }

  /** Sends everything still waiting (and waits for the batch in flight); later nudges go out at once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.sending || this.pending.size > 0) await (this.sending ?? this.flush());
  }

  private schedule(): void {
    // A batch in flight schedules the next one when it ends: one in flight, one gathering.
    if (this.sending || this.timer || this.pending.size === 0) return;
    if (this.closed) {
      void this.flush();
      return;
    }
    // A timer even when the window is over: nudges made in the same turn of the event loop (one commit's
    // hosts, or several requests' commits landing together) join the batch.
    const wait = Math.max(0, this.lastSentAt + this.windowMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
  }

  private flush(): Promise<void> {
    const hostIds = [...this.pending];
    const batch = this.batch;
    this.pending = new Set();
    this.batch = null;
    this.lastSentAt = this.now();
    const sending = this.send(hostIds)
      .catch(() => undefined)
      .then(() => {
        this.sending = null;
        batch?.resolve();
        this.schedule();
      });
    this.sending = sending;
    return sending;
  }
}
