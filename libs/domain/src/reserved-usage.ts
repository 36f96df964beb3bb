// What reserved capacity bills, and when: volumes and snapshots while available, floating IPs while
// allocated. Dated by the API's commit (the rule is in usage-dating.ts). Pure.
import { storedGib, type VolumeState } from './volumes';
import { planReservedUsage, type UsageEffect, type UsageHistory, type UsageSubject } from './usage-dating';

/** A volume bills its size; a snapshot what it stores once made, in whole GB (at least one). */
export type BilledStorage =
  | { readonly kind: 'volume'; readonly sizeGib: number }
  | { readonly kind: 'snapshot'; readonly storedBytes: number };

export function storageUsageSubject(item: BilledStorage): UsageSubject {
  return item.kind === 'volume'
    ? { resourceType: 'volume', meter: 'volume.gib', quantity: item.sizeGib, minSeconds: 0 }
    : {
        resourceType: 'snapshot',
        meter: 'snapshot.gib',
        quantity: storedGib(item.storedBytes),
        minSeconds: 0,
      };
}

/**
 * A volume's or snapshot's usage as it moves from `from` (null: it is new) to `to` at the API's commit
 * `at`: it opens on becoming available (made empty, restored, copied) and closes on leaving it.
 */
export function planStorageUsage(
  item: BilledStorage,
  from: VolumeState | null,
  to: VolumeState,
  history: UsageHistory,
  at: Date,
): UsageEffect {
  const held = { before: from === 'available', after: to === 'available' };
  return planReservedUsage(held, storageUsageSubject(item), history, at);
}

export const FLOATING_IP_USAGE: UsageSubject = {
  resourceType: 'floating_ip',
  meter: 'fip',
  quantity: 1,
  minSeconds: 0,
};

/** A floating IP bills from its allocation to its release, at the API's commits. */
export function planFloatingIpUsage(
  change: 'allocate' | 'release',
  history: UsageHistory,
  at: Date,
): UsageEffect {
  const held = { before: change === 'release', after: change === 'allocate' };
  return planReservedUsage(held, FLOATING_IP_USAGE, history, at);
}
