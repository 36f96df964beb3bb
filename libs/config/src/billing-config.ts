import { z } from 'zod';
import { type Env, intFromEnv, parseEnv, processEnv } from './env';

const billingSchema = z.object({
  DATABASE_URL: z.string().default('postgres://berth:berth@127.0.0.1:5432/berth'),
  STRIPE_SECRET_KEY: z.string().min(8).optional(),
  // Where the Stripe API is; only tests (a local Stripe-compatible server) change these.
  BERTH_STRIPE_API_HOST: z.string().optional(),
  BERTH_STRIPE_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  BERTH_STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  BERTH_BILLING_POLL_MS: intFromEnv(5_000, 50),
  BERTH_BILLING_BATCH: intFromEnv(100, 1),
  BERTH_BILLING_RECONCILE_MS: intFromEnv(60_000, 100),
  BERTH_BILLING_MAX_BACKOFF_MS: intFromEnv(30_000, 100),
  BERTH_BILLING_SUMMARY_SETTLE_MS: intFromEnv(300_000, 0),
  BERTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface BillingConfig {
  readonly databaseUrl: string;
  /** null: no Stripe; berth keeps its ledger and the worker only rolls intervals. */
  readonly stripe: {
    readonly secretKey: string;
    readonly host: string | null;
    readonly port: number | null;
    readonly protocol: 'http' | 'https' | null;
  } | null;
  /** How often the worker looks for closed intervals to send. */
  readonly pollMs: number;
  /** Meter events per batch. */
  readonly batch: number;
  readonly reconcileMs: number;
  /** The longest wait between attempts while Stripe fails. */
  readonly maxBackoffMs: number;
  /**
   * How long Stripe's event summaries may leave out an event it acknowledged (Stripe: seconds to
   * minutes); reconciliation does not compare pairs with events that recent.
   */
  readonly summarySettleMs: number;
  readonly logLevel: string;
}

export function loadBillingConfig(env: Env = processEnv()): BillingConfig {
  const e = parseEnv(billingSchema, env, 'billing');
  return {
    databaseUrl: e.DATABASE_URL,
    stripe: e.STRIPE_SECRET_KEY
      ? {
          secretKey: e.STRIPE_SECRET_KEY,
          host: e.BERTH_STRIPE_API_HOST ?? null,
          port: e.BERTH_STRIPE_API_PORT ?? null,
          protocol: e.BERTH_STRIPE_API_PROTOCOL ?? null,
        }
      : null,
    pollMs: e.BERTH_BILLING_POLL_MS,
    batch: e.BERTH_BILLING_BATCH,
    reconcileMs: e.BERTH_BILLING_RECONCILE_MS,
    maxBackoffMs: e.BERTH_BILLING_MAX_BACKOFF_MS,
    summarySettleMs: e.BERTH_BILLING_SUMMARY_SETTLE_MS,
    logLevel: e.BERTH_LOG_LEVEL,
  };
}
