// Per-tenant quotas (OWASP API4:2023, unrestricted resource consumption): what one tenant may hold at
// once. The operator sets defaults in config and overrides per tenant; the API checks them in the same
// transaction as every create (apps/api/src/quotas/quota-guard.ts), so concurrent creates cannot pass one.
import { DomainError } from './errors';

export const QUOTA_LIMITS = [
  'containers',
  'vcpus',
  'memoryMib',
  'volumeGb',
  'snapshots',
  'floatingIps',
  'networks',
] as const;

export type QuotaLimit = (typeof QUOTA_LIMITS)[number];

/** One number per limit: a tenant's quotas, or what it uses now. */
export type QuotaLimits = Readonly<Record<QuotaLimit, number>>;

/** How much of each limit one create asks for; limits it does not touch are left out. */
export type QuotaDemand = Partial<QuotaLimits>;

/** The largest quota an operator may set: beyond any fleet, and far inside a Postgres integer. */
export const MAX_QUOTA = 1_000_000_000;

/** What each limit counts, as a person reads it in a message ("11 containers", "12 vCPUs"). */
const UNIT: Record<QuotaLimit, string> = {
  containers: 'containers',
  vcpus: 'vCPUs reserved by running containers',
  memoryMib: 'MiB of memory reserved by running containers',
  volumeGb: 'GB of volumes',
  snapshots: 'snapshots',
  floatingIps: 'floating IPs',
  networks: 'networks',
};

/** What frees room under each limit. */
const REMEDY: Record<QuotaLimit, string> = {
  containers: 'delete a container',
  vcpus: 'stop or delete a container',
  memoryMib: 'stop or delete a container',
  volumeGb: 'delete a volume',
  snapshots: 'delete a snapshot',
  floatingIps: 'release a floating IP',
  networks: 'delete a network',
};

/**
 * The coded error for asking `requested` more of `limit` when `usage` is held and `quota` allowed, or
 * null when it fits. Asking for nothing always fits, even over a quota the operator has since lowered.
 */
export function quotaExceeded(
  limit: QuotaLimit,
  quota: number,
  usage: number,
  requested: number,
): DomainError | null {
  if (requested <= 0 || usage + requested <= quota) return null;
  return new DomainError(
    'quota/exceeded',
    `this would make ${usage + requested} ${UNIT[limit]}; your quota is ${quota} (you have ${usage}). ` +
      `${capitalize(REMEDY[limit])} first, or ask the operator to raise the ${limit} quota`,
    { limit, quota, usage, requested },
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
