import type { FloatingIpView } from '@berth/contracts';
import type { FloatingIpEntity } from '@berth/db';

export function floatingIpView(f: FloatingIpEntity): FloatingIpView {
  return {
    id: f.id,
    address: f.address,
    name: f.name,
    containerId: f.containerId,
    createdAt: f.createdAt.toISOString(),
  };
}
