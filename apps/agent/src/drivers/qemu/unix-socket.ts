import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Connects to a Unix socket that QEMU creates as it starts; retries until it exists or time is up. */
export async function connectWhenReady(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
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
