import type { OperationView } from '@berth/contracts';
import type { OperationEntity } from '@berth/db';

export function operationView(o: OperationEntity): OperationView {
  return {
    id: o.id,
    kind: o.kind,
    state: o.state,
    targetId: o.targetId,
    error: o.errorCode ? { code: o.errorCode, message: o.errorMessage ?? '' } : null,
    progress: o.progress,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    completedAt: o.completedAt?.toISOString() ?? null,
  };
}
