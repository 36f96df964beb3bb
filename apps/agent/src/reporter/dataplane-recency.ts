/**
 * When the API read the newest data plane this host has applied. A job's claim reads the data plane in
 * its own snapshot and the agent applies it a little later, so a poll that read a fresher one may have
 * been applied in between: applying the older one over it could remove a tap or a rule made since.
 */
export class DataplaneRecency {
  private newest: number | null = null;

  /** Whether a data plane read at `readAt` is older than one applied already (then it is skipped). */
  isStale(readAt: string): boolean {
    const at = Date.parse(readAt);
    return this.newest !== null && !Number.isNaN(at) && at < this.newest;
  }

  /** Records a data plane as applied (an unreadable date is not recorded). */
  applied(readAt: string): void {
    const at = Date.parse(readAt);
    if (Number.isNaN(at)) return;
    if (this.newest === null || at > this.newest) this.newest = at;
  }
}
