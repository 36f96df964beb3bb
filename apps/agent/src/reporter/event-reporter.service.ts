import { Injectable, Logger } from '@nestjs/common';
import type { AgentEventName, AgentEventResult, StartPath } from '@berth/contracts';
import type { ContainerId, OperationId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { ReportGate } from './report-gate';

export interface ObservedChange {
  readonly event: AgentEventName;
  /** The host's own clock when the change happened. */
  readonly at: Date;
  readonly generation: number;
  readonly operationId?: OperationId;
  readonly exitCode?: number | null;
  readonly error?: { code: string; message: string };
  /** With `agent.running` after a start: how the driver started the machine. */
  readonly start?: StartPath;
  /** With `agent.running` after a restart: when the machine it replaces stopped (the host's clock). */
  readonly stoppedAt?: Date;
  /** An end the host did not see: `at` is its last heartbeat before (see AgentEventReport.unseen). */
  readonly unseen?: boolean;
}

/**
 * Sends what the host observed to the API. A failure is thrown: inside a job, BullMQ retries the whole
 * (idempotent) job; outside one, the caller decides. The API ignores duplicates and stale reports.
 */
@Injectable()
export class EventReporterService {
  private readonly log = new Logger(EventReporterService.name);

  constructor(
    private readonly api: ApiClientService,
    private readonly gate: ReportGate,
  ) {}

  /** Waits while the agent stops what it may no longer run (ReportGate), then sends. */
  async report(id: ContainerId, change: ObservedChange): Promise<AgentEventResult> {
    await this.gate.open();
    const result = await this.api.report(id, {
      event: change.event,
      at: change.at.toISOString(),
      generation: change.generation,
      ...(change.operationId ? { operationId: change.operationId } : {}),
      ...(change.exitCode !== undefined && change.exitCode !== null ? { exitCode: change.exitCode } : {}),
      ...(change.error ? { error: change.error } : {}),
      ...(change.start ? { start: change.start } : {}),
      ...(change.stoppedAt ? { stoppedAt: change.stoppedAt.toISOString() } : {}),
      ...(change.unseen ? { unseen: true } : {}),
    });
    this.log.log(`${id}: reported ${change.event}${result.applied ? '' : ' (no change)'} -> ${result.state}`);
    return result;
  }
}
