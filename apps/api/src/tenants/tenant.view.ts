import type { TenantView } from '@berth/contracts';
import type { TenantEntity } from '@berth/db';

export function tenantView(t: TenantEntity): TenantView {
  return {
    id: t.id,
    name: t.name,
    state: t.state,
    createdAt: t.createdAt.toISOString(),
    suspendedAt: t.suspendedAt?.toISOString() ?? null,
  };
}
