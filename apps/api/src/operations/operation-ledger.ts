import type { EntityManager } from 'typeorm';
import { OperationEntity } from '@berth/db';
import {
  DomainError,
  newId,
  nextOperationState,
  type HostId,
  type OperationKind,
  type OperationState,
  type TenantId,
} from '@berth/domain';
import { metrics } from '../metrics/metrics.registry';

/**
 * Writes and finishes operations. Always called inside the transaction that changes the object the
 * operation acts on, so that the object and its operation never disagree.
 */
export async function openOperation(
  em: EntityManager,
  o: { tenantId: TenantId; kind: OperationKind; targetId: string; hostId: HostId | null; generation: number },
): Promise<OperationEntity> {
  const now = new Date();
  return em.save(
    em.create(OperationEntity, {
      id: newId('op'),
      ...o,
      state: 'pending',
      progress: null,
      errorCode: null,
      errorMessage: null,
      enqueueCount: 0,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
    }),
  );
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
  const qb = em
    .createQueryBuilder(OperationEntity, 'o')
    .where('o.id = :id AND o.host_id = :hostId', { id: operationId, hostId });
  if (opts.lock) qb.setLock('pessimistic_write');
  const op = await qb.getOne();
  if (!op) throw new DomainError('operation/not_found', `operation ${operationId} is not on this host`);
  return op;
}

/** A new action on an object replaces the ones still in flight: they end as `superseded`. */
export async function supersedeOpenOperations(em: EntityManager, targetId: string): Promise<void> {
  const open = await em
    .createQueryBuilder(OperationEntity, 'o')
    .setLock('pessimistic_write')
    .where(`o.target_id = :targetId AND o.state IN ('pending', 'running')`, { targetId })
    .getMany();
  for (const op of open) await finishOperation(em, op, 'superseded');
}

export async function markOperationRunning(em: EntityManager, op: OperationEntity): Promise<void> {
  if (op.state !== 'pending') return;
  op.state = 'running';
  op.startedAt = new Date();
  op.updatedAt = op.startedAt;
  await em.save(op);
}

export async function finishOperation(
  em: EntityManager,
  op: OperationEntity,
  state: Extract<OperationState, 'succeeded' | 'failed' | 'superseded'>,
  error?: { code: string; message: string },
): Promise<void> {
  if (nextOperationState(op.state, state) === null) return;
  const now = new Date();
  op.state = state;
  op.completedAt = now;
  op.updatedAt = now;
  op.errorCode = error?.code ?? null;
  op.errorMessage = error?.message ?? null;
  await em.save(op);
  metrics.operations.inc({ kind: op.kind, state });
}
