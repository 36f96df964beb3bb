import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  buildTestImage,
  startTestRegistry,
  TestStack,
  waitFor,
  type TestHttpClient,
  type TestRegistry,
} from '@berth/testing';

jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-artifacts/dashboard');

/**
 * The billing dashboard in a real browser: Debian's chromium driven by playwright-core, against the
 * real stack (the API serving the built dashboard, a qemu agent running a real microVM). A screenshot
 * of each page is kept in test-artifacts/dashboard/.
 */
describe('billing dashboard (chromium + api + qemu agent)', () => {
  const stack = new TestStack('dashboard');
  let registry: TestRegistry;
  let browser: Browser;
  let page: Page;
  let tenant: { id: string; key: string; http: TestHttpClient };
  let containerId: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    registry = await startTestRegistry();
    const image = await buildTestImage(registry, 'berth/dash', {
      cmd: ['sh', '-c', 'echo hi'],
      env: { PATH: '/bin' },
    });
    await stack.start();
    await stack.startAgent({ name: 'dash-host', driver: 'qemu', env: { BERTH_QEMU_ACCEL: 'auto' } });
    tenant = await stack.tenant('dash-tenant');
    const res = await tenant.http.post('/v1/containers', {
      image,
      name: 'metered-web',
      size: 's4',
      command: ['sh', '-c', 'echo serving; while true; do sleep 1; done'],
    });
    expect(res.status).toBe(202);
    containerId = res.body.data.id as string;
    await waitFor(
      'the container to run',
      async () => {
        return (await tenant.http.get(`/v1/containers/${containerId}`)).body.state === 'running';
      },
      180_000,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
    await registry?.stop();
  });

  const nano = async (testId: string): Promise<number> =>
    Number(await page.getByTestId(testId).first().getAttribute('data-nano'));

  it('refuses a wrong key in words, and signs in with the right one', async () => {
    await page.goto(`${stack.apiUrl}/dashboard/`);
    await page.getByLabel('API key').fill('bk_wrong_wrongwrongwrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That API key was not accepted.').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'sign-in.png') });

    await page.getByLabel('API key').fill(tenant.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('accrued').waitFor();
    // The key lives in session storage only, never in the address.
    expect(page.url()).not.toContain(tenant.key);
    expect(await page.evaluate<number>('window.localStorage.length')).toBe(0);
    expect(await page.evaluate<string | null>("window.sessionStorage.getItem('berth.apiKey')")).toBe(
      tenant.key,
    );
  });

  it("shows the running container's cost ticking up between two readings", async () => {
    await page.getByTestId('live-item').first().waitFor();
    expect(await page.getByTestId('live-item').getAttribute('data-id')).toBe(containerId);
    const first = await nano('accrued');
    expect(await nano('rate')).toBe(3000); // s4: 3000 nano-dollars a second
    await page.screenshot({ path: path.join(SHOTS, 'live.png') });
    await waitFor('the meter to tick', async () => (await nano('accrued')) > first, 30_000, 250);
    expect(await nano('accrued')).toBeGreaterThan(first);
  });

  it('shows, by container, the same total as GET /v1/usage', async () => {
    await page.getByRole('link', { name: 'By container' }).click();
    await page.getByTestId('container-usage-total').waitFor();
    await page.getByTestId('usage-row').first().waitFor();
    const shown = await nano('container-usage-total');
    const api = (await tenant.http.get('/v1/usage?groupBy=container')).body.total.amountNanoUsd as number;
    // The container keeps running between the two reads: the API's later total is at least the page's,
    // and no more than a few seconds of s4 above it.
    expect(api).toBeGreaterThanOrEqual(shown);
    expect(api - shown).toBeLessThanOrEqual(30 * 3000);
    await page.screenshot({ path: path.join(SHOTS, 'by-container.png') });
  });

  it('stops the container; the page and the API then agree exactly', async () => {
    const stop = await tenant.http.post(`/v1/containers/${containerId}/stop`);
    await tenant.http.get(`/v1/operations/${stop.body.operation.id}?wait=60`);
    await page.reload();
    await page.getByTestId('container-usage-total').waitFor();
    const api = (await tenant.http.get('/v1/usage?groupBy=container')).body.total.amountNanoUsd as number;
    expect(await nano('container-usage-total')).toBe(api);
  });

  it('shows usage over time as a chart', async () => {
    await page.getByRole('link', { name: 'Usage' }).first().click();
    await page.getByTestId('usage-total').waitFor();
    await page.locator('canvas').first().waitFor();
    expect(await nano('usage-total')).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'usage.png'), fullPage: true });
  });

  it('opens an invoice with its line items', async () => {
    await page.getByRole('link', { name: 'Invoices' }).click();
    const month = new Date().toISOString().slice(0, 7);
    await page.locator(`a[href="#/invoices/${month}"]`).first().click();
    await page.getByTestId('invoice-total').waitFor();
    const invoice = (await tenant.http.get(`/v1/invoices/${month}`)).body;
    expect(await nano('invoice-total')).toBe(invoice.totalNanoUsd);
    await page
      .getByText(/Containers, size S4/i)
      .first()
      .waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'invoice.png'), fullPage: true });
  });

  it('lists containers and links to their logs', async () => {
    await page.getByRole('link', { name: 'Containers' }).click();
    await page.getByText('metered-web').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'containers.png') });
    await page.getByRole('link', { name: /logs/i }).first().click();
    await page.getByTestId('logs').waitFor();
    await page.getByText('serving').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'logs.png') });
  });

  it('fits a phone-sized screen and can be used from the keyboard', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await phone.goto(`${stack.apiUrl}/dashboard/`);
    await phone.evaluate(`window.sessionStorage.setItem('berth.apiKey', ${JSON.stringify(tenant.key)})`);
    await phone.reload();
    await phone.getByTestId('accrued').waitFor();
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: true });
    // Tab reaches the navigation.
    const focused: string[] = [];
    for (let i = 0; i < 12; i++) {
      await phone.keyboard.press('Tab');
      focused.push(await phone.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''"));
    }
    expect(focused).toEqual(expect.arrayContaining(['Usage', 'Invoices']));
    await phone.close();
  });

  it('signs out, forgetting the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate<string | null>("window.sessionStorage.getItem('berth.apiKey')")).toBeNull();
    await page.reload();
    await page.getByLabel('API key').waitFor();
  });
});
