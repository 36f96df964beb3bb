import type { EntityManager } from 'typeorm';
import { UsageIntervalRepository, type SnapshotEntity, type VolumeEntity } from '@berth/db';
import { NO_USAGE_HISTORY, planStorageUsage, type BilledStorage, type VolumeState } from '@berth/domain';

/**
 * The one place the API writes a volume's or snapshot's usage: every state change of one (made, restored,
 * copied, deleted) calls this in its transaction, after the row has its new state. The domain decides
 * whether usage opens or closes and when (planStorageUsage, dated by the API's commit `at`).
 */
export async function writeStorageUsage(
  em: EntityManager,
  item: VolumeEntity | SnapshotEntity,
  from: VolumeState | null,
  at: Date,
): Promise<void> {
  const usage = new UsageIntervalRepository(em);
  const billed: BilledStorage =
    'volumeId' in item
      ? { kind: 'snapshot', storedBytes: Number(item.storedBytes ?? 0) }
      : { kind: 'volume', sizeGib: item.sizeGib };
  // A new row has no history (its id is new); only a change reads (and locks) it.
  const history = from === null ? NO_USAGE_HISTORY : await usage.lockHistory(item.id);
  const effect = planStorageUsage(billed, from, item.state, history, at);
  await usage.apply({ tenantId: item.tenantId, resourceType: billed.kind, resourceId: item.id }, effect);
}
