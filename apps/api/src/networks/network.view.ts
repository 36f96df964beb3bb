import type { NetworkView } from '@berth/contracts';
import type { NetworkEntity } from '@berth/db';

export function networkView(n: NetworkEntity): NetworkView {
  return {
    id: n.id,
    name: n.name,
    cidr: n.cidr,
    gateway: n.gateway,
    isDefault: n.isDefault,
    createdAt: n.createdAt.toISOString(),
  };
}
