import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentOperationResult } from '@berth/contracts';
import { inTransaction, type OperationEntity } from '@berth/db';
import { DomainError, type HostId } from '@berth/domain';
import { isStorageJobKind } from '@berth/queue';
import { operationOnHost } from '../operations/operation-ledger';
import { AgentWorkService } from './agent-work.service';
import { StorageWorkService } from './storage-work.service';

/** The kind of operation each result type belongs to; `progress` and `failure` fit every non-container kind. */
function resultFits(result: AgentOperationResult, op: OperationEntity): boolean {
  switch (result.type) {
    case 'progress':
      return true;
    case 'exec':
      return op.kind === 'container.exec';
    case 'image':
      return op.kind === 'image.pull';
    case 'storage':
      return isStorageJobKind(op.kind);
    case 'failure':
      // A container's failure is a state change: it is reported as the event `agent.failed`.
      return op.kind === 'container.exec' || op.kind === 'image.pull' || isStorageJobKind(op.kind);
  }
}

/**
 * The one channel for what a host reports about an operation it claimed: progress, an exec's output,
 * a pull's image, a storage outcome or a failure. Applied with the operation locked, once: a repeat
 * for a finished operation changes nothing. Container state changes are events, not results.
 */
@Injectable()
export class OperationResultsService {
  constructor(
    private readonly ds: DataSource,
    private readonly work: AgentWorkService,
    private readonly storage: StorageWorkService,
  ) {}

  record(hostId: HostId, operationId: string, result: AgentOperationResult): Promise<void> {
    return inTransaction(this.ds, async (em) => {
      const op = await operationOnHost(em, hostId, operationId, { lock: true });
      if (!resultFits(result, op)) {
        throw new DomainError(
          'operation/result_mismatch',
          `operation ${op.id} is a ${op.kind}: it takes no ${result.type} result` +
            (result.type === 'failure' ? ' (report a container failure as the event agent.failed)' : ''),
        );
      }
      switch (result.type) {
        case 'progress': {
          const { type: _type, ...report } = result;
          return this.work.progress(em, op, report);
        }
        case 'exec':
          return this.work.execResult(em, op, result);
        case 'image':
          return this.work.imageResult(em, hostId, op, result);
        case 'storage':
          return this.storage.result(em, op, result);
        case 'failure':
          if (op.kind === 'container.exec') return this.work.execResult(em, op, result);
          if (op.kind === 'image.pull') return this.work.imageResult(em, hostId, op, result);
          return this.storage.result(em, op, result);
      }
    });
  }
}
