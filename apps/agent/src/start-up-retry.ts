import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries a start-up step that needs the API (the agent may start before the API is up, or with a
 * fleet's worth of others). Delays double from 250 ms to 5 s, each drawn at random below its bound
 * ("full jitter"): hosts started together, or refused together by a busy API, must not come back in
 * step. A failure that `hopeless` recognises (the API refused for good) is thrown at once: the operator
 * must act. `attempts` bounds the tries (the hollow fleet's; an agent tries for ever).
 */
export async function untilDone<T>(
  what: string,
  log: (m: string) => void,
  step: () => Promise<T>,
  hopeless: (err: unknown) => boolean = () => false,
  attempts = Infinity,
): Promise<T> {
  for (let attempt = 1, bound = 250; ; attempt++, bound = Math.min(bound * 2, 5000)) {
    try {
      return await step();
    } catch (err) {
      if (hopeless(err) || attempt >= attempts) throw err;
      const delay = Math.ceil(Math.random() * bound);
      log(`${what} failed, retrying in ${delay} ms: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(delay);
    }
  }
}
