import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction, OpenOperationRepository } from '@berth/db';
import type { OperationId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { metrics } from '../metrics/metrics.registry';
import { finishOperation } from '../operations/operation-ledger';
import { AgentQueuesService } from '../queue/agent-queues.service';

const BATCH = 200;

/**
 * Postgres is the truth; Redis only carries work in flight. Operations still open after a grace
 * period are checked against their host's queue: a missing job (a crash between commit and enqueue,
 * or a Redis that lost its data) is enqueued again, and a job that finished without the operation
 * finishing (its report was lost) is run again. Agent handlers are idempotent, so a repeat is harmless.
 */
@Injectable()
export class OperationReconcilerService {
  private readonly log = new Logger(OperationReconcilerService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Returns the ids of the operations it enqueued again. */
  async reconcile(): Promise<OperationId[]> {
    const operations = new OpenOperationRepository(this.ds.manager);
    const stale = await operations.staleSince(new Date(Date.now() - this.config.reconcileGraceMs), BATCH);
    const requeued: OperationId[] = [];
    for (const op of stale) {
      const presence = await this.queues.presence(op);
      if (presence === 'waiting' || presence === 'active') continue;
      if (op.kind === 'container.exec' && op.state === 'running') {
        // An exec is run at most once: the command may have run and its result been lost.
        await inTransaction(this.ds, (em) =>
          finishOperation(em, op, 'failed', {
            code: 'exec/lost',
            message: 'the host stopped reporting on this command',
          }),
        );
        continue;
      }
      if (presence === 'completed' || presence === 'failed') await this.queues.removeFinished(op);
      if (await this.queues.enqueue(op)) {
        await operations.recordEnqueue(op.id);
        metrics.reenqueued.inc();
        requeued.push(op.id);
        this.log.warn(`re-enqueued ${op.id} (${op.kind} ${op.targetId}); its job was ${presence}`);
      }
    }
    return requeued;
  }
}
