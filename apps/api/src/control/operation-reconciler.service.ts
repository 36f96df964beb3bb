import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction, OperationEntity } from '@berth/db';
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
    const stale = await this.ds.manager
      .createQueryBuilder(OperationEntity, 'o')
      .where(`o.state IN ('pending', 'running') AND o.host_id IS NOT NULL`)
      .andWhere('o.updated_at < :cutoff', { cutoff: new Date(Date.now() - this.config.reconcileGraceMs) })
      .orderBy('o.updated_at', 'ASC')
      .limit(BATCH)
      .getMany();
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
        await this.ds.query(
          `UPDATE operations SET enqueue_count = enqueue_count + 1, updated_at = now() WHERE id = $1 AND state IN ('pending', 'running')`,
          [op.id],
        );
        metrics.reenqueued.inc();
        requeued.push(op.id);
        this.log.warn(`re-enqueued ${op.id} (${op.kind} ${op.targetId}); its job was ${presence}`);
      }
    }
    return requeued;
  }
}
