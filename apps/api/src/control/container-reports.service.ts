import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentContainerSpec, AgentEventReport, AgentEventResult } from '@berth/contracts';
import { HostContainerRepository, inTransaction, OperationEntity, type ContainerEntity } from '@berth/db';
import { DomainError, nextContainerState, type HostId } from '@berth/domain';
import { finishOperation, markOperationRunning, operationGoalReached } from '../operations/operation-ledger';

/** The agent's side of containers: reading desired specs and applying what the host observed. */
@Injectable()
export class ContainerReportsService {
  private readonly log = new Logger(ContainerReportsService.name);

  constructor(private readonly ds: DataSource) {}

  async spec(hostId: HostId, containerId: string): Promise<AgentContainerSpec> {
    const c = await new HostContainerRepository(this.ds.manager).findOnHost(hostId, containerId);
    if (!c) throw new DomainError('container/not_found', `container ${containerId} is not on this host`);
    return specOf(c);
  }

  async listOnHost(hostId: HostId): Promise<AgentContainerSpec[]> {
    return (await new HostContainerRepository(this.ds.manager).listLiveOnHost(hostId)).map(specOf);
  }

  /**
   * Applies one observed state change. Idempotent: a report that the state machine does not allow
   * from the current state (a duplicate, or one overtaken by a user action) changes nothing, and a
   * report older (by the host's clock) than the last one applied is ignored.
   */
  report(hostId: HostId, containerId: string, r: AgentEventReport): Promise<AgentEventResult> {
    return inTransaction(this.ds, async (em) => {
      const c = await new HostContainerRepository(em).lockOnHost(hostId, containerId);
      if (!c) throw new DomainError('container/not_found', `container ${containerId} is not on this host`);
      const at = new Date(r.at);
      let applied = false;
      if (!c.lastReportAt || at >= c.lastReportAt) {
        const next = nextContainerState(c.state, r.event);
        if (next !== null && next !== c.state) {
          this.log.log(`${c.id}: ${c.state} -> ${next} (${r.event}, gen ${r.generation}/${c.generation})`);
          applyState(c, next, at, r);
          await em.save(c);
          applied = true;
        }
      }
      if (r.operationId) {
        const op = await em
          .createQueryBuilder(OperationEntity, 'o')
          .setLock('pessimistic_write')
          .where(`o.id = :id AND o.target_id = :target AND o.state IN ('pending', 'running')`, {
            id: r.operationId,
            target: c.id,
          })
          .getOne();
        if (op) {
          if (r.event === 'agent.failed') {
            await finishOperation(
              em,
              op,
              'failed',
              r.error ?? { code: 'agent/failed', message: 'the host could not do it' },
            );
          } else if (operationGoalReached(op.kind, c.state)) {
            await finishOperation(em, op, 'succeeded');
          } else {
            await markOperationRunning(em, op);
          }
        }
      }
      return { applied, state: c.state };
    });
  }
}

function applyState(c: ContainerEntity, next: ContainerEntity['state'], at: Date, r: AgentEventReport): void {
  c.state = next;
  c.stateChangedAt = at;
  c.lastReportAt = at;
  c.updatedAt = new Date();
  switch (next) {
    case 'running':
      c.startedAt = at;
      c.finishedAt = null;
      c.exitCode = null;
      c.stateReason = null;
      break;
    case 'exited':
    case 'stopped':
      c.finishedAt = at;
      c.exitCode = r.exitCode ?? null;
      break;
    case 'failed':
      c.finishedAt = at;
      c.stateReason = r.error?.message ?? 'failed on the host';
      break;
    default:
      break;
  }
}

function specOf(c: ContainerEntity): AgentContainerSpec {
  return {
    id: c.id,
    tenantId: c.tenantId,
    name: c.name,
    image: c.image,
    command: c.command,
    env: c.env,
    resources: { vcpu: c.vcpu, memoryMib: c.memoryMib, diskGib: c.diskGib },
    restartPolicy: c.restartPolicy,
    state: c.state,
    generation: c.generation,
  };
}
