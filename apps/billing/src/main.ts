import 'reflect-metadata';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadBillingConfig } from '@berth/config';
import { dataSourceOptions } from '@berth/db';
import { BillingWorker } from './billing-worker';
import { StripeGateway } from './stripe-gateway';

/**
 * The billing worker: `node dist/apps/billing/src/main.js`. Postgres is its only input (closed usage
 * intervals), so any number may run and a restart loses nothing. Without STRIPE_SECRET_KEY it only
 * cuts intervals at hour boundaries: berth keeps its ledger, and invoices come from the API.
 */
async function main(): Promise<void> {
  const config = loadBillingConfig();
  const log = pino({
    level: config.logLevel,
    base: { app: 'berth-billing' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  const ds = await new DataSource(dataSourceOptions(config.databaseUrl)).initialize();
  const stripe = config.stripe ? new StripeGateway(config.stripe) : null;
  const worker = new BillingWorker(ds, stripe, log.child({ part: 'worker' }), {
    batch: config.batch,
    summarySettleMs: config.summarySettleMs,
  });
  log.info(
    { stripe: stripe !== null, pollMs: config.pollMs },
    stripe ? 'billing worker started' : 'billing worker started without Stripe: ledger only',
  );

  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  let backoff = 0;
  let lastReconcile = Date.now();
  while (!stopping) {
    let delay = config.pollMs;
    try {
      await worker.roll();
      await worker.ensureCustomers();
      await worker.ensureSubscriptions();
      for (;;) {
        const r = await worker.sendBatch();
        const done = r.sent + r.duplicates + r.deadLettered;
        if (done > 0)
          log.info(
            { sent: r.sent, duplicates: r.duplicates, deadLettered: r.deadLettered },
            'meter events sent',
          );
        if (r.error) throw new Error(r.error);
        if (done < config.batch) break;
      }
      if (Date.now() - lastReconcile >= config.reconcileMs) {
        lastReconcile = Date.now();
        // Subscriptions canceled or changed at Stripe, and prices changed in berth, are repaired here.
        await worker.ensureSubscriptions(true);
        const rec = await worker.reconcile();
        log.info(rec, 'reconciled with Stripe');
      }
      backoff = 0;
    } catch (err) {
      // Stripe (or Postgres) is failing: wait longer each time, up to the cap, and try again. Nothing is
      // lost meanwhile: the intervals stay unsent in Postgres.
      backoff = Math.min(config.maxBackoffMs, backoff === 0 ? 500 : backoff * 2);
      delay = backoff;
      log.warn(
        { err: err instanceof Error ? err.message : String(err), retryInMs: backoff },
        'billing pass failed',
      );
    }
    if (!stopping) await sleep(delay);
  }
  await ds.destroy();
  log.info('billing worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
