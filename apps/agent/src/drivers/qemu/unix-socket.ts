import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Connects to a Unix socket that QEMU creates as it starts; retries until it exists, time is up, or
 * `signal` says to give up (QEMU is gone: it will never make the socket).
 */
export async function connectWhenReady(
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline && !signal?.aborted) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(path);
        s.once('connect', () => {
          s.removeListener('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    } catch (err) {
      last = err;
      await sleep(25);
    }
  }
  throw new Error(`could not connect to ${path}: ${last instanceof Error ? last.message : 'timed out'}`);
}
