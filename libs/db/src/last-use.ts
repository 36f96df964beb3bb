import type { EntityManager, EntityTarget } from 'typeorm';
import { lastUseWorthRecording } from '@berth/domain';

/** A credential whose last use is kept (API keys, join tokens). */
export interface UsedCredential {
  id: string;
  lastUsedAt: Date | null;
}

/**
 * The one writer of a credential's `last_used_at`: records a use at `now` when the recorded one is
 * older than the resolution (lastUseWorthRecording), and leaves the row alone otherwise.
 */
export async function recordLastUse(
  em: EntityManager,
  entity: EntityTarget<UsedCredential>,
  credential: Readonly<UsedCredential>,
  now: Date,
): Promise<void> {
  if (!lastUseWorthRecording(credential.lastUsedAt, now)) return;
  await em.update(entity, credential.id, { lastUsedAt: now });
}
