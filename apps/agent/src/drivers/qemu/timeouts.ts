export const TIMED_OUT = Symbol('timed out');

/**
 * Waits for `promise` for at most `ms`. The timer is cleared either way, so nothing keeps the process
 * (or a test) alive after the promise settles.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
