import type { EntityManager } from 'typeorm';
import { HostOperationRepository, OperationRepository, type OperationEntity } from '@berth/db';
import {
  DomainError,
  planOperationChange,
  type HostId,
  type OperationKind,
  type OperationState,
  type TenantId,
} from '@berth/domain';
import { metrics } from '../metrics/metrics.registry';

/**
 * The API's writes of operations, always inside the transaction that changes the object the operation
 * acts on, so that the object and its operation never disagree. The rows are OperationRepository's,
 * the transitions planOperationChange's (@berth/domain); this module adds what only the API has: the
 * count of finished operations (berth_operations_finished_total).
 */
export function openOperation(
  em: EntityManager,
  o: { tenantId: TenantId; kind: OperationKind; targetId: string; hostId: HostId | null; generation: number },
): Promise<OperationEntity> {
  return new OperationRepository(em).open(o, new Date());
}

/**
 * An operation queued for this host, for its agent to read or report on; with `lock`, held until the
 * transaction ends. Another host's operation is not found, as if it did not exist.
 */
export async function operationOnHost(
  em: EntityManager,
  hostId: HostId,
  operationId: string,
  opts: { lock?: boolean } = {},
): Promise<OperationEntity> {
  const repo = new HostOperationRepository(em);
  const op = opts.lock
    ? await repo.lockOnHost(hostId, operationId)
    : await repo.findOnHost(hostId, operationId);
  if (!op) throw new DomainError('operation/not_found', `operation ${operationId} is not on this host`);
  return op;
}

/** A new action on an object replaces the ones still in flight: they end as `superseded`. */
export async function supersedeOpenOperations(em: EntityManager, targetId: string): Promise<void> {
  for (const op of await new OperationRepository(em).lockInFlight(targetId)) {
    await finishOperation(em, op, 'superseded');
  }
}

export async function markOperationRunning(em: EntityManager, op: OperationEntity): Promise<void> {
  const patch = planOperationChange(op.state, 'running', new Date());
  if (!patch) return;
  await new OperationRepository(em).patch(op, patch);
}

export async function finishOperation(
  em: EntityManager,
  op: OperationEntity,
  state: Extract<OperationState, 'succeeded' | 'failed' | 'superseded'>,
  error?: { code: string; message: string },
): Promise<void> {
  const patch = planOperationChange(op.state, state, new Date(), error);
  if (!patch) return;
  await new OperationRepository(em).patch(op, patch);
  metrics.operations.inc({ kind: op.kind, state });
}
