import type { LiveUsageView } from '@berth/contracts';
import { useCallback } from 'preact/hooks';
import { useApi } from '../api-context';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { PageHeading } from '../components/page-heading';
import { TableWrap } from '../components/table-wrap';
import {
  formatDateTime,
  formatDuration,
  formatRate,
  formatTime,
  formatUsd,
  meterDigits,
  resourceTypeLabel,
  secondsSince,
} from '../format';
import { usePoll } from '../hooks/use-poll';
import { useVisible } from '../hooks/use-visible';

/** What accrues now: polled once a second while the page is open and the tab visible. */
export function LivePage() {
  const api = useApi();
  const visible = useVisible();
  const load = useCallback((signal: AbortSignal) => api.json<LiveUsageView>('/v1/usage/live', signal), [api]);
  const { data, error, retry } = usePoll(load, 1000, visible);

  return (
    <>
      <PageHeading>Live meter</PageHeading>
      {error !== null && <ErrorNotice error={error} onRetry={retry} />}
      {data !== null ? <LiveView live={data} stale={error !== null} /> : error === null && <Loading />}
    </>
  );
}

/** A container's size, a volume's or snapshot's GB, nothing for a floating IP. */
function sizeOf(item: LiveUsageView['items'][number]): string {
  if (item.size !== null) return item.size;
  return item.meter.endsWith('.gib') ? `${item.quantity} GB` : '—';
}

function LiveView({ live, stale }: { readonly live: LiveUsageView; readonly stale: boolean }) {
  const at = Date.parse(live.at);
  const digits = meterDigits(live.ratePerSecondNanoUsd);
  return (
    <>
      <section class="meter-card" aria-labelledby="meter-label">
        <p id="meter-label" class="meter-label">
          Accrued since {formatDateTime(live.periodStart)}
        </p>
        <p class="meter" data-testid="accrued" data-nano={String(live.accruedNanoUsd)}>
          {formatUsd(live.accruedNanoUsd, { digits })}
        </p>
        <p class="meter-rate">
          <span data-testid="rate" data-nano={String(live.ratePerSecondNanoUsd)}>
            {formatRate(live.ratePerSecondNanoUsd)}
          </span>{' '}
          per second
          {live.ratePerSecondNanoUsd > 0 && (
            <> · about {formatUsd(live.ratePerSecondNanoUsd * 3600)} an hour</>
          )}
        </p>
        <p class="meter-at">
          {stale ? 'Last updated' : 'Updated'} <time dateTime={live.at}>{formatTime(live.at)}</time>
        </p>
      </section>

      <h2>Running now</h2>
      {live.items.length === 0 ? (
        <Empty>Nothing is running now.</Empty>
      ) : (
        <TableWrap label="What runs now">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Size</th>
                <th scope="col">Since</th>
                <th scope="col" class="num">
                  Rate / s
                </th>
                <th scope="col" class="num">
                  Accrued
                </th>
              </tr>
            </thead>
            <tbody>
              {live.items.map((item) => (
                <tr
                  key={`${item.resourceId}|${item.meter}`}
                  data-testid="live-item"
                  data-id={item.resourceId}
                >
                  <th scope="row">{item.name}</th>
                  <td>{resourceTypeLabel(item.resourceType)}</td>
                  <td>{sizeOf(item)}</td>
                  <td>
                    <time dateTime={item.since}>{formatDateTime(item.since)}</time>
                    <span class="sub">{formatDuration(secondsSince(item.since, at) ?? 0)}</span>
                  </td>
                  <td class="num">{formatRate(item.ratePerSecondNanoUsd)}</td>
                  <td class="num">
                    {formatUsd(item.accruedNanoUsd, { digits: meterDigits(item.ratePerSecondNanoUsd) })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
