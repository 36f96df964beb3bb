/**
 * Whether a process with this pid exists. Signal 0 checks without sending anything; EPERM means it
 * exists but belongs to someone else.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}
