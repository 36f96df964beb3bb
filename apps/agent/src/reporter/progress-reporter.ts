import type { OperationProgressReport } from '@berth/contracts';
import type { ApiClientService } from '../api-client/api-client.service';

const MIN_INTERVAL_MS = 500;

/**
 * Sends an operation's progress to the API at most twice a second (the last report always goes out
 * on flush). Progress is advisory: a failed send is dropped, never fails the work.
 */
export class ProgressReporter {
  private last = 0;
  private pending: OperationProgressReport | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiClientService,
    private readonly operationId: string,
  ) {}

  update(report: OperationProgressReport): void {
    this.pending = report;
    if (Date.now() - this.last >= MIN_INTERVAL_MS) this.send();
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
