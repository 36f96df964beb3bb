import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import {
  isDomainError,
  MAX_QUOTA,
  parseAddressPool,
  type QuotaLimits,
  validateNetworkCidr,
  type Cidr,
  type Ipv4Range,
} from '@berth/domain';
import {
  boolFromEnv,
  type Env,
  intFromEnv,
  parseEnv,
  processEnv,
  queuePrefixFromEnv,
  secretFromEnv,
} from './env';

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

/** The longest a join token may live: long-lived fleet credentials are rotated, not kept for ever. */
export const MAX_JOIN_TOKEN_TTL_S = 365 * 24 * 3600;

const ttlSecondsFromEnv = (fallback: number) =>
  z.coerce.number().int().min(60).max(MAX_JOIN_TOKEN_TTL_S).default(fallback);

const quotaFromEnv = () => z.coerce.number().int().min(0).max(MAX_QUOTA);
/** Tokens added to a bucket per second (or minute): fractions allowed, 0 is not (use a large number). */
const rateFromEnv = (fallback: number) => z.coerce.number().positive().max(1e9).default(fallback);
const burstFromEnv = (fallback: number) => z.coerce.number().int().min(1).max(1e9).default(fallback);

const FLOATING_IP_QUOTA_DEFAULT = 5;

const apiSchema = z.object({
  BERTH_HTTP_HOST: z.string().default('127.0.0.1'),
  BERTH_HTTP_PORT: intFromEnv(8080),
  BERTH_PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().default('postgres://berth:berth@127.0.0.1:5432/berth'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  BERTH_QUEUE_PREFIX: queuePrefixFromEnv(),
  BERTH_OPERATOR_TOKEN: secretFromEnv('BERTH_OPERATOR_TOKEN'),
  BERTH_AGENT_JOIN_TOKEN: secretFromEnv('BERTH_AGENT_JOIN_TOKEN').optional(),
  BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT: z.iso
    .datetime({ offset: true, error: 'BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT must be an ISO 8601 time' })
    .transform((t) => new Date(t))
    .optional(),
  BERTH_JOIN_TOKEN_TTL_S: ttlSecondsFromEnv(24 * 3600),
  BERTH_READMIT_TOKEN_TTL_S: ttlSecondsFromEnv(3600),
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
  BERTH_NUDGE_WINDOW_MS: intFromEnv(50, 0),
  BERTH_PLACEMENT_POLICY: z.enum(['spread', 'binpack']).default('spread'),
  BERTH_PLACEMENT_SNAPSHOT_MS: intFromEnv(1_000, 0),
  BERTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BERTH_FIP_POOL: z.string().default('').transform(parsedBy(parseAddressPool)),
  // The floating-IP quota's older name, still honoured (BERTH_QUOTA_FLOATING_IPS wins when both are set).
  BERTH_FIP_QUOTA: quotaFromEnv().optional(),
  BERTH_QUOTA_CONTAINERS: quotaFromEnv().default(20),
  BERTH_QUOTA_VCPUS: quotaFromEnv().default(16),
  BERTH_QUOTA_MEMORY_MIB: quotaFromEnv().default(32_768),
  BERTH_QUOTA_VOLUME_GB: quotaFromEnv().default(1000),
  BERTH_QUOTA_SNAPSHOTS: quotaFromEnv().default(50),
  BERTH_QUOTA_FLOATING_IPS: quotaFromEnv().optional(),
  BERTH_QUOTA_NETWORKS: quotaFromEnv().default(10),
  BERTH_RATE_LIMIT_ENABLED: boolFromEnv(true),
  BERTH_RATE_LIMIT_PER_S: rateFromEnv(20),
  BERTH_RATE_LIMIT_BURST: burstFromEnv(100),
  BERTH_RATE_LIMIT_ANON_PER_S: rateFromEnv(5),
  BERTH_RATE_LIMIT_ANON_BURST: burstFromEnv(30),
  BERTH_RATE_LIMIT_AUTH_FAILURES_PER_MIN: rateFromEnv(10),
  BERTH_RATE_LIMIT_AUTH_FAILURES_BURST: burstFromEnv(20),
  BERTH_STRIPE_WEBHOOK_SECRET: z.string().min(8).optional(),
  BERTH_DASHBOARD_DIR: z.string().optional(),
  // 1500 on the underlay minus VXLAN's 50 bytes (outer IPv4, UDP, VXLAN and Ethernet headers).
  BERTH_NETWORK_MTU: z.coerce.number().int().min(576).max(9000).default(1450),
  BERTH_DEFAULT_NETWORK_CIDR: z
    .string()
    .default('10.240.0.0/24')
    .transform(parsedBy((t) => validateNetworkCidr(t, 'BERTH_DEFAULT_NETWORK_CIDR'))),
});

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface TokenBucketConfig {
  readonly perSecond: number;
  readonly burst: number;
}

export interface RateLimitConfig {
  /** Off only where something in front of the API already limits (and for the benchmark's baseline). */
  readonly enabled: boolean;
  /** Per bearer token: each API key (and the operator token) has its own bucket. */
  readonly perKey: TokenBucketConfig;
  /** Requests without a bearer token, per client address. */
  readonly anonymous: TokenBucketConfig;
  /** Failed authentications per client address; an empty bucket refuses that address's requests. */
  readonly authFailures: TokenBucketConfig;
}

export interface ApiConfig {
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl: string };
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** BullMQ key prefix: lets several berth stacks share one Redis (tests do). */
  readonly queuePrefix: string;
  readonly operatorToken: string;
  /**
   * The bootstrap join token from the environment (null: only join tokens made through the API work).
   * It registers new hosts only, as every join token does (apps/api/src/hosts/hosts.service.ts).
   */
  readonly agentJoinToken: string | null;
  /** When the bootstrap join token stops working; null: it works until it is removed from the env. */
  readonly agentJoinTokenExpiresAt: Date | null;
  /** How long a join token made through the API lives when its creator gives no TTL (kubeadm's 24 h). */
  readonly joinTokenTtlS: number;
  /** How long an operator's re-admission token for one host stays usable. */
  readonly readmitTokenTtlS: number;
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
  /**
   * Data-plane nudges (`host.sync`) of one API process are sent at most once per host per window: a
   * nudge after a quiet window goes at once, the others of the window wait for its end and go together.
   */
  readonly nudgeWindowMs: number;
  readonly placementPolicy: 'spread' | 'binpack';
  /**
   * How long a process places on the fleet snapshot it read (ready hosts and their reservations) before
   * reading it again; 0 reads it for every placement. Staleness costs at most a retry: the chosen host's
   * reservation is checked when it is taken (see apps/api/src/hosts/fleet-placement.service.ts).
   */
  readonly placementSnapshotMs: number;
  readonly logLevel: string;
  /** Public addresses tenants may allocate as floating IPs, sorted; empty when the operator set none. */
  readonly fipPool: readonly Ipv4Range[];
  /** Every tenant's quotas unless the operator set its own (POST /v1/admin/tenants/:id/quotas). */
  readonly quotas: QuotaLimits;
  /** Request rate limits (token buckets in Redis, shared by every API process). */
  readonly rateLimit: RateLimitConfig;
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
    agentJoinToken: e.BERTH_AGENT_JOIN_TOKEN ?? null,
    agentJoinTokenExpiresAt: e.BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT ?? null,
    joinTokenTtlS: e.BERTH_JOIN_TOKEN_TTL_S,
    readmitTokenTtlS: e.BERTH_READMIT_TOKEN_TTL_S,
    secretsKey: e.BERTH_SECRETS_KEY
      ? Buffer.from(e.BERTH_SECRETS_KEY, 'hex')
      : Buffer.from(hkdfSync('sha256', e.BERTH_OPERATOR_TOKEN, 'berth', 'secrets-key', 32)),
    hostLostAfterMs: e.BERTH_HOST_LOST_AFTER_MS,
    reaperIntervalMs: e.BERTH_REAPER_INTERVAL_MS,
    reconcileIntervalMs: e.BERTH_RECONCILE_INTERVAL_MS,
    reconcileGraceMs: e.BERTH_RECONCILE_GRACE_MS,
    idempotencyReapIntervalMs: e.BERTH_IDEMPOTENCY_REAP_INTERVAL_MS,
    operationWaitMaxS: e.BERTH_OPERATION_WAIT_MAX_S,
    nudgeWindowMs: e.BERTH_NUDGE_WINDOW_MS,
    placementPolicy: e.BERTH_PLACEMENT_POLICY,
    placementSnapshotMs: e.BERTH_PLACEMENT_SNAPSHOT_MS,
    logLevel: e.BERTH_LOG_LEVEL,
    fipPool: e.BERTH_FIP_POOL,
    quotas: {
      containers: e.BERTH_QUOTA_CONTAINERS,
      vcpus: e.BERTH_QUOTA_VCPUS,
      memoryMib: e.BERTH_QUOTA_MEMORY_MIB,
      volumeGb: e.BERTH_QUOTA_VOLUME_GB,
      snapshots: e.BERTH_QUOTA_SNAPSHOTS,
      floatingIps: e.BERTH_QUOTA_FLOATING_IPS ?? e.BERTH_FIP_QUOTA ?? FLOATING_IP_QUOTA_DEFAULT,
      networks: e.BERTH_QUOTA_NETWORKS,
    },
    rateLimit: {
      enabled: e.BERTH_RATE_LIMIT_ENABLED,
      perKey: { perSecond: e.BERTH_RATE_LIMIT_PER_S, burst: e.BERTH_RATE_LIMIT_BURST },
      anonymous: { perSecond: e.BERTH_RATE_LIMIT_ANON_PER_S, burst: e.BERTH_RATE_LIMIT_ANON_BURST },
      authFailures: {
        perSecond: e.BERTH_RATE_LIMIT_AUTH_FAILURES_PER_MIN / 60,
        burst: e.BERTH_RATE_LIMIT_AUTH_FAILURES_BURST,
      },
    },
    networkMtu: e.BERTH_NETWORK_MTU,
    defaultNetworkCidr: e.BERTH_DEFAULT_NETWORK_CIDR,
    stripeWebhookSecret: e.BERTH_STRIPE_WEBHOOK_SECRET ?? null,
    dashboardDir: e.BERTH_DASHBOARD_DIR ?? null,
  };
}
