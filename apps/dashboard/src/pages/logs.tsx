import type { ContainerView, LogLineView } from '@berth/contracts';
import { useCallback, useEffect, useRef } from 'preact/hooks';
import type { Api } from '../api';
import { useApi } from '../api-context';
import { PageHeading } from '../components/page-heading';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { formatDateTime, formatTime } from '../format';
import { useAsync } from '../hooks/use-async';
import { hrefOf } from '../router';

const TAIL = 200;

interface Loaded {
  readonly lines: LogLineView[];
  /** The container's name; null when it could not be read (the logs still show). */
  readonly name: string | null;
}

async function loadLogs(api: Api, id: string, signal: AbortSignal): Promise<Loaded> {
  const ref = encodeURIComponent(id);
  const [lines, container] = await Promise.all([
    api.ndjson<LogLineView>(`/v1/containers/${ref}/logs?tail=${TAIL}`, signal),
    api.json<ContainerView>(`/v1/containers/${ref}`, signal).catch(() => null),
  ]);
  return { lines, name: container?.name ?? null };
}

/** The last lines a container wrote, stdout and stderr told apart. */
export function LogsPage({ id }: { readonly id: string }) {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => loadLogs(api, id, signal), [api, id]);
  const { state, reload, refreshing } = useAsync(load, [id]);
  const name = state.status === 'ready' ? (state.data.name ?? id) : id;
  return (
    <>
      <p class="back">
        <a href={hrefOf({ page: 'containers' })}>← All containers</a>
      </p>
      <PageHeading>Logs of {name}</PageHeading>
      <div class="toolbar">
        <p class="hint">The last {TAIL} lines. Standard error is marked “err”.</p>
        <button type="button" onClick={reload} disabled={state.status === 'loading' || refreshing}>
          {refreshing && state.status === 'ready' ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <LogLines lines={state.data.lines} />}
    </>
  );
}

function LogLines({ lines }: { readonly lines: LogLineView[] }) {
  const box = useRef<HTMLDivElement>(null);
  // The newest line is the last: start at the bottom, as a terminal does.
  useEffect(() => {
    const el = box.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [lines]);
  if (lines.length === 0) return <Empty>No output yet.</Empty>;
  return (
    <div ref={box} class="logs-box" role="region" aria-label="Output" tabIndex={0}>
      <ol class="logs" data-testid="logs">
        {lines.map((line, i) => (
          <li key={i} class={`log log-${line.stream}`} data-stream={line.stream}>
            <time dateTime={line.at} title={formatDateTime(line.at)}>
              {formatTime(line.at)}
            </time>
            <span class="log-stream">{line.stream === 'stderr' ? 'err' : 'out'}</span>
            <span class="log-text">{line.text}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
