import type { ContainerView, LiveUsageView, Page, UsageReportView } from '@berth/contracts';
import { useCallback } from 'preact/hooks';
import type { Api } from '../api';
import { useApi } from '../api-context';
import { PageHeading } from '../components/page-heading';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { TableWrap } from '../components/table-wrap';
import { containerStateLabel, formatDuration, formatTime, formatUsd, secondsSince } from '../format';
import { useAsync } from '../hooks/use-async';
import { useNow } from '../hooks/use-now';
import { periodQuery, usagePath } from '../period';
import { hrefOf } from '../router';

/** Pages are followed to the end: a tenant's containers, all of them. */
async function allContainers(api: Api, signal: AbortSignal): Promise<ContainerView[]> {
  const out: ContainerView[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '200' });
    if (cursor !== null) query.set('cursor', cursor);
    const page: Page<ContainerView> = await api.json<Page<ContainerView>>(`/v1/containers?${query}`, signal);
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

interface Loaded {
  readonly containers: ContainerView[];
  /** This month's amount per container id, up to `at`. */
  readonly costs: ReadonlyMap<string, number>;
  readonly at: string;
  /** What each running container accrues a second now, by id: its cost ticks on from `at`. */
  readonly rates: ReadonlyMap<string, number>;
}

async function loadContainers(api: Api, signal: AbortSignal): Promise<Loaded> {
  const [containers, usage, live] = await Promise.all([
    allContainers(api, signal),
    api.json<UsageReportView>(
      usagePath(periodQuery({ kind: 'this-month' }, new Date()), { groupBy: 'container' }),
      signal,
    ),
    api.json<LiveUsageView>('/v1/usage/live', signal),
  ]);
  const rates = new Map<string, number>();
  for (const item of live.items) {
    if (item.resourceType === 'container') {
      rates.set(item.resourceId, (rates.get(item.resourceId) ?? 0) + item.ratePerSecondNanoUsd);
    }
  }
  return {
    containers,
    costs: new Map(usage.lines.map((l) => [l.key, l.amountNanoUsd])),
    at: usage.to,
    rates,
  };
}

/** The tenant's containers, how long the running ones have run, and what each has cost this month. */
export function ContainersPage() {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => loadContainers(api, signal), [api]);
  const { state, reload, refreshing } = useAsync(load, []);
  return (
    <>
      <PageHeading>Containers</PageHeading>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && (
        <ContainerList loaded={state.data} onRefresh={reload} refreshing={refreshing} />
      )}
    </>
  );
}

interface ListProps {
  readonly loaded: Loaded;
  readonly onRefresh: () => void;
  readonly refreshing: boolean;
}

/** The month's cost as read, plus the live rate for the whole seconds since, while it runs. */
function costNow(loaded: Loaded, c: ContainerView, nowMs: number): number {
  const read = loaded.costs.get(c.id) ?? 0;
  const rate = c.state === 'running' ? (loaded.rates.get(c.id) ?? 0) : 0;
  const since = secondsSince(loaded.at, nowMs) ?? 0;
  return read + rate * since;
}

function ContainerList({ loaded, onRefresh, refreshing }: ListProps) {
  const anyRunning = loaded.containers.some((c) => c.state === 'running' && c.startedAt !== null);
  const now = useNow(anyRunning);
  if (loaded.containers.length === 0) return <Empty>No containers yet.</Empty>;
  return (
    <>
      <div class="toolbar">
        <p class="hint">
          Costs are for this month, as read at <time dateTime={loaded.at}>{formatTime(loaded.at)}</time>; a
          running container's cost then goes on at its live rate.
        </p>
        <button type="button" onClick={onRefresh} disabled={refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <TableWrap label="Containers">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Size</th>
              <th scope="col" class="num">
                Uptime
              </th>
              <th scope="col" class="num">
                Cost this month
              </th>
              <th scope="col">
                <span class="visually-hidden">Logs</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {loaded.containers.map((c) => {
              const up = c.state === 'running' ? secondsSince(c.startedAt, now) : null;
              const cost = costNow(loaded, c, now);
              return (
                <tr key={c.id} data-testid="container-row" data-id={c.id}>
                  <th scope="row">{c.name}</th>
                  <td>
                    <span class={`state state-${c.state}`}>{containerStateLabel(c.state)}</span>
                  </td>
                  <td>{c.size}</td>
                  <td class="num" data-testid="uptime">
                    {up === null ? '—' : formatDuration(up)}
                  </td>
                  <td class="num" data-nano={String(cost)}>
                    {formatUsd(cost)}
                  </td>
                  <td>
                    <a href={hrefOf({ page: 'logs', id: c.id })} aria-label={`Logs of ${c.name}`}>
                      Logs
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}
