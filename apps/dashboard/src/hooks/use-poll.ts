import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isAbort } from '../api';

export interface PollResult<T> {
  /** The latest answer, kept while a later request fails. */
  readonly data: T | null;
  /** The latest failure, cleared by the next answer. */
  readonly error: unknown;
  /** Ask now, without waiting for the next tick. */
  readonly retry: () => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Polls `load` every `intervalMs` while `active`, one request at a time: the next is scheduled only
 * when the last has answered (so a slow API never gets a pile of requests). Failures back off
 * (2, 4, 8 ... up to 30 s). Going inactive (the tab hidden) or unmounting aborts the request in flight.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  active: boolean,
): PollResult<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: number | undefined;
    let controller: AbortController | undefined;
    let failures = 0;
    const run = async () => {
      timer = undefined;
      controller = new AbortController();
      const started = Date.now();
      try {
        const next = await loadRef.current(controller.signal);
        if (stopped) return;
        failures = 0;
        setData(next);
        setError(null);
      } catch (e) {
        if (stopped || isAbort(e)) return;
        failures += 1;
        setError(e);
      }
      if (stopped) return;
      const wait =
        failures === 0
          ? Math.max(0, intervalMs - (Date.now() - started))
          : Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** failures);
      timer = window.setTimeout(() => void run(), wait);
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) window.clearTimeout(timer);
      controller?.abort();
    };
  }, [active, intervalMs, generation]);

  const retry = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, retry };
}
