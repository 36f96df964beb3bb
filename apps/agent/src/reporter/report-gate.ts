import { Injectable } from '@nestjs/common';

/**
 * Holds the agent's reports while it must first stop what it may no longer run (a host back from being
 * lost: containers deleted or started elsewhere meanwhile). Reports wait for the work held, whether it
 * succeeds or fails; reports sent while nothing is held pass at once.
 */
@Injectable()
export class ReportGate {
  private held: Promise<unknown> = Promise.resolve();

  /** Runs `work` with reports held until it settles; answers what it answers. */
  async holdWhile<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    const previous = this.held;
    this.held = Promise.allSettled([previous, running]);
    return running;
  }

  /** Resolves once nothing held is still running. */
  async open(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.held;
      await seen.then(
        () => undefined,
        () => undefined,
      );
    } while (seen !== this.held);
  }
}
