import type { InvoiceLineView, InvoiceView } from '@berth/contracts';
import { useCallback } from 'preact/hooks';
import { useApi } from '../api-context';
import { PageHeading } from '../components/page-heading';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { TableWrap } from '../components/table-wrap';
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatMonth,
  formatRate,
  formatUsd,
  invoiceStatusLabel,
} from '../format';
import { useAsync } from '../hooks/use-async';
import { hrefOf } from '../router';

function quantityOf(line: InvoiceLineView): string {
  if (line.unit === 'gb-second') return `${formatCount(line.quantity)} GB-seconds`;
  const duration = line.quantity >= 60 ? ` (${formatDuration(line.quantity)})` : '';
  return `${formatCount(line.quantity)} ${line.quantity === 1 ? 'second' : 'seconds'}${duration}`;
}

function unitPriceOf(line: InvoiceLineView): string {
  // The API prices storage per GB-month (pro-rated by the second), everything else per second.
  return line.unit === 'gb-second'
    ? `${formatUsd(line.unitPriceNanoUsd)} per GB-month`
    : `${formatRate(line.unitPriceNanoUsd)} per second`;
}

/** One month's invoice: its lines and total. */
export function InvoicePage({ id }: { readonly id: string }) {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) => api.json<InvoiceView>(`/v1/invoices/${encodeURIComponent(id)}`, signal),
    [api, id],
  );
  const { state, reload } = useAsync(load, [id]);
  return (
    <>
      <p class="back">
        <a href={hrefOf({ page: 'invoices' })}>← All invoices</a>
      </p>
      <PageHeading>Invoice for {formatMonth(id)}</PageHeading>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <Invoice invoice={state.data} />}
    </>
  );
}

function Invoice({ invoice }: { readonly invoice: InvoiceView }) {
  return (
    <>
      <p class="period-range">
        <span class={`badge badge-${invoice.status}`}>{invoiceStatusLabel(invoice.status)}</span> From{' '}
        <time dateTime={invoice.periodStart}>{formatDateTime(invoice.periodStart)}</time> to{' '}
        <time dateTime={invoice.periodEnd}>{formatDateTime(invoice.periodEnd)}</time>
      </p>
      {invoice.lines.length === 0 && <Empty>No usage in this period.</Empty>}
      <TableWrap label="Invoice lines">
        <table>
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col" class="num">
                Quantity
              </th>
              <th scope="col" class="num">
                Unit price
              </th>
              <th scope="col" class="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line) => (
              <tr key={line.meter} data-testid="invoice-line" data-meter={line.meter}>
                <th scope="row">{line.description}</th>
                <td class="num">{quantityOf(line)}</td>
                <td class="num">{unitPriceOf(line)}</td>
                <td class="num" data-nano={String(line.amountNanoUsd)}>
                  {formatUsd(line.amountNanoUsd)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                {invoice.status === 'draft' ? 'Total so far' : 'Total'}
              </th>
              <td class="num" data-testid="invoice-total" data-nano={String(invoice.totalNanoUsd)}>
                {formatUsd(invoice.totalNanoUsd)}
              </td>
            </tr>
          </tfoot>
        </table>
      </TableWrap>
    </>
  );
}
