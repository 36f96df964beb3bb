import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isAbort } from '../api';

export type AsyncState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'ready'; readonly data: T };

export interface AsyncResult<T> {
  readonly state: AsyncState<T>;
  /** Load again (a retry or a refresh). */
  readonly reload: () => void;
  /** True while a reload runs with the last data still shown. */
  readonly refreshing: boolean;
}

/**
 * Runs `load` when `deps` change and on reload, aborting the one before: a page shows what the latest
 * request answered, never an older one that came back late.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): AsyncResult<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [refreshing, setRefreshing] = useState(false);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const depsKey = JSON.stringify(deps);
  const lastDeps = useRef(depsKey);

  useEffect(() => {
    const controller = new AbortController();
    const sameDeps = lastDeps.current === depsKey;
    lastDeps.current = depsKey;
    // A refresh keeps the data on screen; new deps (another period) start over.
    setState((s) => (s.status === 'ready' && sameDeps ? s : { status: 'loading' }));
    setRefreshing(true);
    loadRef.current(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        setState({ status: 'ready', data });
        setRefreshing(false);
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        setState({ status: 'error', error });
        setRefreshing(false);
      },
    );
    return () => controller.abort();
  }, [depsKey, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { state, reload, refreshing };
}
