import type { HostTemplateView, HostView } from '@berth/contracts';
import type { HostEntity } from '@berth/db';
import { ZERO_RESOURCES, type Resources } from '@berth/domain';
import { capacityOf } from './host-snapshots';

export function hostView(
  h: HostEntity,
  reserved: Resources = ZERO_RESOURCES,
  volumeReservedGib = 0,
): HostView {
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    state: h.state,
    capacity: capacityOf(h),
    reserved: { ...reserved },
    volumes: { capacityGib: h.capacityVolumeGib, reservedGib: volumeReservedGib },
    driver: h.driver,
    capabilities: h.capabilities,
    lastHeartbeatAt: h.lastHeartbeatAt.toISOString(),
    // Written only from a validated heartbeat (HeartbeatDto), so the stored shape is the view's.
    templates: (h.templates ?? []) as unknown as HostTemplateView[],
  };
}
