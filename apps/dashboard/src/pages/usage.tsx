import type { UsageReportView } from '@berth/contracts';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { useApi } from '../api-context';
import { shapeUsage, type Granularity } from '../chart-data';
import { PageHeading } from '../components/page-heading';
import { PeriodPicker } from '../components/period-picker';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { TableWrap } from '../components/table-wrap';
import { UsageChart } from '../components/usage-chart';
import { seriesColor } from '../chart-palette';
import { formatDateTime, formatShare, formatUsd } from '../format';
import { useColorScheme } from '../hooks/use-color-scheme';
import { useAsync } from '../hooks/use-async';
import { hourlyAllowed, periodQuery, usagePath, type PeriodChoice } from '../period';

type Split = 'size' | 'type';

/** Amount per day or hour over a period, split by size or resource type. */
export function UsagePage() {
  const api = useApi();
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'this-month' });
  const [wanted, setWanted] = useState<Granularity>('day');
  const [split, setSplit] = useState<Split>('size');
  const hourly = hourlyAllowed(periodQuery(choice, new Date()));
  const granularity: Granularity = hourly ? wanted : 'day';

  const load = useCallback(
    (signal: AbortSignal) => {
      const path = usagePath(periodQuery(choice, new Date()), { groupBy: granularity, splitBy: split });
      return api.json<UsageReportView>(path, signal);
    },
    [api, choice, granularity, split],
  );
  const { state, reload } = useAsync(load, [choice, granularity, split]);

  return (
    <>
      <PageHeading>Usage over time</PageHeading>
      <form class="controls" aria-label="What to show" onSubmit={(e) => e.preventDefault()}>
        <PeriodPicker value={choice} onChange={setChoice} />
        <fieldset class="choice">
          <legend>Granularity</legend>
          <label>
            <input
              type="radio"
              name="granularity"
              value="day"
              checked={granularity === 'day'}
              onChange={() => setWanted('day')}
            />
            Day
          </label>
          <label>
            <input
              type="radio"
              name="granularity"
              value="hour"
              checked={granularity === 'hour'}
              disabled={!hourly}
              onChange={() => setWanted('hour')}
            />
            Hour
          </label>
        </fieldset>
        <fieldset class="choice">
          <legend>Split by</legend>
          <label>
            <input
              type="radio"
              name="split"
              value="size"
              checked={split === 'size'}
              onChange={() => setSplit('size')}
            />
            Size
          </label>
          <label>
            <input
              type="radio"
              name="split"
              value="type"
              checked={split === 'type'}
              onChange={() => setSplit('type')}
            />
            Resource type
          </label>
        </fieldset>
      </form>
      {!hourly && <p class="hint">Hours are offered for periods of up to 31 days.</p>}
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && (
        <UsageReport report={state.data} granularity={granularity} split={split} />
      )}
    </>
  );
}

interface ReportProps {
  readonly report: UsageReportView;
  readonly granularity: Granularity;
  readonly split: Split;
}

function UsageReport({ report, granularity, split }: ReportProps) {
  const chart = useMemo(() => shapeUsage(report, granularity), [report, granularity]);
  const scheme = useColorScheme();
  const per = granularity === 'day' ? 'day' : 'hour';
  const by = split === 'size' ? 'size' : 'resource type';
  return (
    <>
      <p class="period-range">
        From <time dateTime={report.from}>{formatDateTime(report.from)}</time> to{' '}
        <time dateTime={report.to}>{formatDateTime(report.to)}</time>
        {granularity === 'day' && ' (days are UTC days)'}
      </p>
      {report.lines.length === 0 ? (
        <Empty>No usage in this period.</Empty>
      ) : (
        <UsageChart
          data={chart}
          granularity={granularity}
          label={`Stacked bar chart of the amount per ${per}, by ${by}. The table below gives each series' total.`}
        />
      )}
      <TableWrap label={`Totals by ${by}`}>
        <table>
          <caption>Totals by {by}</caption>
          <thead>
            <tr>
              <th scope="col">{split === 'size' ? 'Size' : 'Resource type'}</th>
              <th scope="col" class="num">
                Amount
              </th>
              <th scope="col" class="num">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {chart.series.map((s, i) => (
              <tr key={s.key} data-testid="usage-series" data-key={s.key}>
                <th scope="row">
                  <span class="swatch" style={{ background: seriesColor(i, scheme) }} aria-hidden="true" />
                  {s.label}
                </th>
                <td class="num" data-nano={String(s.totalNanoUsd)}>
                  {formatUsd(s.totalNanoUsd)}
                </td>
                <td class="num">{formatShare(s.totalNanoUsd, report.total.amountNanoUsd)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td class="num" data-testid="usage-total" data-nano={String(report.total.amountNanoUsd)}>
                {formatUsd(report.total.amountNanoUsd)}
              </td>
              <td class="num">{report.total.amountNanoUsd > 0 ? formatShare(1, 1) : '—'}</td>
            </tr>
          </tfoot>
        </table>
      </TableWrap>
    </>
  );
}
