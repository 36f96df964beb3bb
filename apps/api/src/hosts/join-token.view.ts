import type { JoinTokenView } from '@berth/contracts';
import type { JoinTokenEntity } from '@berth/db';

export function joinTokenView(t: JoinTokenEntity): JoinTokenView {
  return {
    id: t.id,
    prefix: t.prefix,
    description: t.description,
    hostId: t.hostId,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  };
}
