// When a credential's last use (an API key's, a join token's) is worth writing down: a list shows it to
// the minute, so writing it on every request would only turn each authenticated read into a write.

/** How fine a credential's `last_used_at` is kept. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Whether a use at `now` should be recorded, given the one recorded last (null: never used). */
export function lastUseWorthRecording(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS;
}
