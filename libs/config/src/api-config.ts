import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import {
  isDomainError,
  parseAddressPool,
  validateNetworkCidr,
  type Cidr,
  type Ipv4Range,
} from '@berth/domain';
import { type Env, intFromEnv, parseEnv, processEnv, secretFromEnv } from './env';

/** Turns a domain parser's coded error into a zod issue on the variable, so every bad variable is listed. */
function parsedBy<T>(parse: (text: string) => T) {
  return (text: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: isDomainError(err) ? err.message : String(err) });
      return z.NEVER;
    }
  };
}

const apiSchema = z.object({
  BERTH_HTTP_HOST: z.string().default('127.0.0.1'),
  BERTH_HTTP_PORT: intFromEnv(8080),
  BERTH_PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().default('postgres://berth:berth@127.0.0.1:5432/berth'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  BERTH_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/i)
    .default('berth'),
  BERTH_OPERATOR_TOKEN: secretFromEnv('BERTH_OPERATOR_TOKEN'),
  BERTH_AGENT_JOIN_TOKEN: secretFromEnv('BERTH_AGENT_JOIN_TOKEN'),
  BERTH_SECRETS_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'BERTH_SECRETS_KEY must be 32 bytes as 64 hex digits')
    .optional(),
  BERTH_HOST_LOST_AFTER_MS: intFromEnv(15_000, 1000),
  BERTH_REAPER_INTERVAL_MS: intFromEnv(2_000, 100),
  BERTH_RECONCILE_INTERVAL_MS: intFromEnv(5_000, 100),
  BERTH_RECONCILE_GRACE_MS: intFromEnv(10_000, 0),
  BERTH_IDEMPOTENCY_REAP_INTERVAL_MS: intFromEnv(60_000, 100),
  BERTH_OPERATION_WAIT_MAX_S: intFromEnv(60, 1),
  BERTH_PLACEMENT_POLICY: z.enum(['spread', 'binpack']).default('spread'),
  BERTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BERTH_FIP_POOL: z.string().default('').transform(parsedBy(parseAddressPool)),
  BERTH_FIP_QUOTA: intFromEnv(5, 0),
  BERTH_STRIPE_WEBHOOK_SECRET: z.string().min(8).optional(),
  BERTH_DASHBOARD_DIR: z.string().optional(),
  // 1500 on the underlay minus VXLAN's 50 bytes (outer IPv4, UDP, VXLAN and Ethernet headers).
  BERTH_NETWORK_MTU: z.coerce.number().int().min(576).max(9000).default(1450),
  BERTH_DEFAULT_NETWORK_CIDR: z
    .string()
    .default('10.240.0.0/24')
    .transform(parsedBy((t) => validateNetworkCidr(t, 'BERTH_DEFAULT_NETWORK_CIDR'))),
});

export interface ApiConfig {
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl: string };
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** BullMQ key prefix: lets several berth stacks share one Redis (tests do). */
  readonly queuePrefix: string;
  readonly operatorToken: string;
  readonly agentJoinToken: string;
  /**
   * Encrypts stored secrets (registry passwords, the secret part of idempotent replays) and is the root of
   * the key that fingerprints idempotent requests (see apps/api/src/common/request-fingerprint.ts). When unset it is derived from the operator token, so
   * set it before rotating that token.
   */
  readonly secretsKey: Buffer;
  readonly hostLostAfterMs: number;
  readonly reaperIntervalMs: number;
  readonly reconcileIntervalMs: number;
  readonly reconcileGraceMs: number;
  /** How often expired idempotency records (older than 24 hours) are deleted. */
  readonly idempotencyReapIntervalMs: number;
  readonly operationWaitMaxS: number;
  readonly placementPolicy: 'spread' | 'binpack';
  readonly logLevel: string;
  /** Public addresses tenants may allocate as floating IPs, sorted; empty when the operator set none. */
  readonly fipPool: readonly Ipv4Range[];
  /** Floating IPs one tenant may hold at once. */
  readonly fipQuota: number;
  /** MTU of every tenant network's NICs: the underlay's MTU minus the VXLAN overhead. */
  readonly networkMtu: number;
  /**
   * Where networks created without a cidr start looking for a free block of this size (blocks are unique
   * across tenants; see apps/api/src/networks/network-ledger.ts).
   */
  readonly defaultNetworkCidr: Cidr;
  /** Verifies Stripe's webhook signatures; null: no Stripe (ledger only), the webhook is a 404. */
  readonly stripeWebhookSecret: string | null;
  /** The built dashboard (vite's output), served at /dashboard/; null: next to the compiled API. */
  readonly dashboardDir: string | null;
}

export function loadApiConfig(env: Env = processEnv()): ApiConfig {
  const e = parseEnv(apiSchema, env, 'api');
  return {
    http: {
      host: e.BERTH_HTTP_HOST,
      port: e.BERTH_HTTP_PORT,
      publicUrl: e.BERTH_PUBLIC_URL ?? `http://${e.BERTH_HTTP_HOST}:${e.BERTH_HTTP_PORT}`,
    },
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.BERTH_QUEUE_PREFIX,
    operatorToken: e.BERTH_OPERATOR_TOKEN,
    agentJoinToken: e.BERTH_AGENT_JOIN_TOKEN,
    secretsKey: e.BERTH_SECRETS_KEY
      ? Buffer.from(e.BERTH_SECRETS_KEY, 'hex')
      : Buffer.from(hkdfSync('sha256', e.BERTH_OPERATOR_TOKEN, 'berth', 'secrets-key', 32)),
    hostLostAfterMs: e.BERTH_HOST_LOST_AFTER_MS,
    reaperIntervalMs: e.BERTH_REAPER_INTERVAL_MS,
    reconcileIntervalMs: e.BERTH_RECONCILE_INTERVAL_MS,
    reconcileGraceMs: e.BERTH_RECONCILE_GRACE_MS,
    idempotencyReapIntervalMs: e.BERTH_IDEMPOTENCY_REAP_INTERVAL_MS,
    operationWaitMaxS: e.BERTH_OPERATION_WAIT_MAX_S,
    placementPolicy: e.BERTH_PLACEMENT_POLICY,
    logLevel: e.BERTH_LOG_LEVEL,
    fipPool: e.BERTH_FIP_POOL,
    fipQuota: e.BERTH_FIP_QUOTA,
    networkMtu: e.BERTH_NETWORK_MTU,
    defaultNetworkCidr: e.BERTH_DEFAULT_NETWORK_CIDR,
    stripeWebhookSecret: e.BERTH_STRIPE_WEBHOOK_SECRET ?? null,
    dashboardDir: e.BERTH_DASHBOARD_DIR ?? null,
  };
}
