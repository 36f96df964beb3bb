import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { invoice, invoiceLine } from '../../testing/fixtures';

describe('berth invoices show', () => {
  it('prints the line items, each quantity with its unit, and the total', async () => {
    const berth = new FakeBerth().on('GET', '/v1/invoices/2026-01', invoice());
    const res = await runBerth(['invoices', 'show', '2026-01'], { berth });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(berth.requests.map((r) => [r.path, r.query])).toEqual([['/v1/invoices/2026-01', {}]]);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Invoice 2026-01 (draft: the month is not over yet)');
    expect(lines[1]).toMatch(/^DESCRIPTION\s+QUANTITY\s+UNIT PRICE\s+AMOUNT$/);
    expect(lines[2]).toMatch(/^Containers, size S1\s+3600 seconds\s+\$0\.0000004\/s\s+\$0\.00144$/);
    expect(lines[3]).toMatch(/^Volumes\s+864000 GB-seconds\s+\$0\.10\/GB-month\s+\$0\.033333333$/);
    expect(lines[4]).toMatch(/^TOTAL\s+\$0\.034773333$/);
    expect(lines).toHaveLength(5);
    expect(lines[4]!.indexOf('$')).toBe(lines[1]!.indexOf('AMOUNT'));
    expect(lines[3]!.indexOf('$0.10')).toBe(lines[1]!.indexOf('UNIT PRICE'));
  });

  it('a closed month; one unit is singular; --json prints the invoice', async () => {
    const closed = invoice({
      id: '2025-12',
      status: 'closed',
      lines: [
        invoiceLine({
          meter: 'fip',
          description: 'Floating IPs',
          quantity: 1,
          amountNanoUsd: 400,
          amountUsd: '0.000000400',
        }),
      ],
      totalNanoUsd: 400,
      totalUsd: '0.000000400',
    });
    const berth = new FakeBerth().on('GET', '/v1/invoices/2025-12', closed);
    const lines = (await runBerth(['invoices', 'show', '2025-12'], { berth })).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Invoice 2025-12 (closed)');
    expect(lines[2]).toMatch(/^Floating IPs\s+1 second\s+\$0\.0000004\/s\s+\$0\.0000004$/);
    // --json after the subcommand is the subcommand's.
    const json = await runBerth(['invoices', 'show', '2025-12', '--json'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(closed);
  });

  it('a month with no invoice: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/invoices/2031-05',
      apiError(
        404,
        'invoice/not_found',
        'invoice 2031-05 does not exist; invoices are named by month, YYYY-MM',
      ),
    );
    expect(await runBerth(['invoices', 'show', '2031-05'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'Error: invoice/not_found: invoice 2031-05 does not exist; invoices are named by month, YYYY-MM\n',
    });
  });

  it('a period that is not YYYY-MM, or none: a usage error, exit 2, no request', async () => {
    for (const period of ['2026-1', '2026-13', 'inv_1', '2026-01-01']) {
      const res = await runBerth(['invoices', 'show', period]);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(
        `Error: cli/usage: invoice "${period}" must be a month, YYYY-MM (e.g. 2026-01)\n`,
      );
      expect(res.berth.requests).toHaveLength(0);
    }
    const none = await runBerth(['invoices', 'show']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing required argument 'period'");
  });
});
