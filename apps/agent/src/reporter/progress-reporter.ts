import type { OperationProgressReport } from '@berth/contracts';
import type { ApiClientService } from '../api-client/api-client.service';

const MIN_INTERVAL_MS = 500;

export interface ProgressOptions {
  /**
   * true: sent as the work goes, at most twice a second (an image pull, whose operation is the pull).
   * false: only the last report, once, on flush (a container's pull: its launch stays at three calls).
   */
  readonly live: boolean;
}

/**
 * Sends an operation's progress to the API through its result channel (the last report always goes
 * out on flush). Progress is advisory: a failed send is dropped, never fails the work.
 */
export class ProgressReporter {
  private last = 0;
  private pending: OperationProgressReport | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiClientService,
    private readonly operationId: string,
    private readonly opts: ProgressOptions = { live: true },
  ) {}

  update(report: OperationProgressReport): void {
    this.pending = report;
    if (this.opts.live && Date.now() - this.last >= MIN_INTERVAL_MS) this.send();
  }

  async flush(): Promise<void> {
    if (this.pending) this.send();
    await this.inFlight;
  }

  private send(): void {
    const report = this.pending;
    if (!report) return;
    this.pending = null;
    this.last = Date.now();
    this.inFlight = this.inFlight
      .then(() => this.api.result(this.operationId, { type: 'progress', ...report }))
      .catch(() => undefined);
  }
}
