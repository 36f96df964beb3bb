import type { InvoiceListView } from '@berth/contracts';
import { useCallback } from 'preact/hooks';
import { useApi } from '../api-context';
import { PageHeading } from '../components/page-heading';
import { Empty, ErrorNotice, Loading } from '../components/status';
import { TableWrap } from '../components/table-wrap';
import { formatMonth, formatUsd, invoiceStatusLabel } from '../format';
import { useAsync } from '../hooks/use-async';
import { hrefOf } from '../router';

/** The monthly invoices, newest first as the API sends them, and whether billing is past due. */
export function InvoicesPage() {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.json<InvoiceListView>('/v1/invoices', signal), [api]);
  const { state, reload } = useAsync(load, []);
  return (
    <>
      <PageHeading>Invoices</PageHeading>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <InvoiceList list={state.data} />}
    </>
  );
}

function InvoiceList({ list }: { readonly list: InvoiceListView }) {
  return (
    <>
      {list.billingStatus === 'past_due' && (
        <section class="banner banner-warn" data-testid="past-due" aria-labelledby="past-due-title">
          <h2 id="past-due-title">Payment past due</h2>
          <p>The last payment failed: new containers are refused until a payment succeeds.</p>
        </section>
      )}
      {list.data.length === 0 ? (
        <Empty>No invoices yet.</Empty>
      ) : (
        <TableWrap label="Invoices">
          <table>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((invoice) => (
                <tr key={invoice.id} data-testid="invoice-row" data-id={invoice.id}>
                  <th scope="row">
                    <a href={hrefOf({ page: 'invoice', id: invoice.id })}>{formatMonth(invoice.id)}</a>
                  </th>
                  <td>
                    <span class={`badge badge-${invoice.status}`}>{invoiceStatusLabel(invoice.status)}</span>
                  </td>
                  <td class="num" data-nano={String(invoice.totalNanoUsd)}>
                    {formatUsd(invoice.totalNanoUsd)}
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
