import type { UsageLineView, UsageReportView } from '@berth/contracts';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { useApi } from '../api-context';
import { PageHeading } from '../components/page-heading';
import { PeriodPicker } from '../components/period-picker';
import { SortHeader } from '../components/sort-header';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { TableWrap } from '../components/table-wrap';
import { formatCount, formatDateTime, formatDuration, formatUsd, resourceTypeLabel } from '../format';
import { useAsync } from '../hooks/use-async';
import { periodQuery, usagePath, type PeriodChoice } from '../period';
import { nextSort, sortRows, type SortState, type SortValue } from '../sort';

type Column = 'name' | 'type' | 'seconds' | 'gbSeconds' | 'amount';

const COLUMNS: Readonly<Record<Column, (line: UsageLineView) => SortValue>> = {
  name: (l) => l.label,
  type: (l) => (l.resourceType === null ? null : resourceTypeLabel(l.resourceType)),
  seconds: (l) => l.seconds,
  gbSeconds: (l) => l.gbSeconds,
  amount: (l) => l.amountNanoUsd,
};

const NUMERIC: ReadonlySet<Column> = new Set(['seconds', 'gbSeconds', 'amount']);

/** Usage per container (and per volume, snapshot and floating IP) over a month, sortable by any column. */
export function ByContainerPage() {
  const api = useApi();
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'this-month' });
  const load = useCallback(
    (signal: AbortSignal) =>
      api.json<UsageReportView>(usagePath(periodQuery(choice, new Date()), { groupBy: 'container' }), signal),
    [api, choice],
  );
  const { state, reload } = useAsync(load, [choice]);

  return (
    <>
      <PageHeading>Usage by container</PageHeading>
      <form class="controls" aria-label="Period" onSubmit={(e) => e.preventDefault()}>
        <PeriodPicker value={choice} onChange={setChoice} kinds={['this-month', 'last-month', 'month']} />
      </form>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <ContainerUsage report={state.data} />}
    </>
  );
}

function quantity(n: number, seconds: boolean) {
  if (n === 0) return '—';
  return seconds ? <span title={formatDuration(n)}>{formatCount(n)}</span> : formatCount(n);
}

function ContainerUsage({ report }: { readonly report: UsageReportView }) {
  const [sort, setSort] = useState<SortState<Column>>({ key: 'amount', direction: 'descending' });
  const rows = useMemo(() => sortRows(report.lines, COLUMNS, sort), [report, sort]);
  const onSort = (column: Column) =>
    setSort((s) => nextSort(s, column, NUMERIC.has(column) ? 'descending' : 'ascending'));
  const header = (column: Column, label: string) => (
    <SortHeader column={column} label={label} sort={sort} onSort={onSort} numeric={NUMERIC.has(column)} />
  );
  return (
    <>
      <p class="period-range">
        From <time dateTime={report.from}>{formatDateTime(report.from)}</time> to{' '}
        <time dateTime={report.to}>{formatDateTime(report.to)}</time>
      </p>
      {report.lines.length === 0 && <Empty>No usage in this period.</Empty>}
      <TableWrap label="Usage by container">
        <table>
          <thead>
            <tr>
              {header('name', 'Name')}
              {header('type', 'Type')}
              {header('seconds', 'Seconds')}
              {header('gbSeconds', 'GB-seconds')}
              {header('amount', 'Amount')}
            </tr>
          </thead>
          <tbody>
            {rows.map((line) => (
              <tr key={line.key} data-testid="usage-row" data-key={line.key}>
                <th scope="row">{line.label}</th>
                <td>{resourceTypeLabel(line.resourceType)}</td>
                <td class="num">{quantity(line.seconds, true)}</td>
                <td class="num">{quantity(line.gbSeconds, false)}</td>
                <td class="num" data-nano={String(line.amountNanoUsd)}>
                  {formatUsd(line.amountNanoUsd)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td />
              <td class="num">{quantity(report.total.seconds, true)}</td>
              <td class="num">{quantity(report.total.gbSeconds, false)}</td>
              <td
                class="num"
                data-testid="container-usage-total"
                data-nano={String(report.total.amountNanoUsd)}
              >
                {formatUsd(report.total.amountNanoUsd)}
              </td>
            </tr>
          </tfoot>
        </table>
      </TableWrap>
    </>
  );
}
