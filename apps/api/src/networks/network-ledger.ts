import type { EntityManager } from 'typeorm';
import { onUniqueViolation } from '../common/unique-violation';
import { NetworkEntity, NetworkRepository } from '@berth/db';
import {
  cidrsOverlap,
  DomainError,
  formatCidr,
  formatIpv4,
  gatewayOf,
  newId,
  nextFreeCidr,
  parseCidr,
  type Cidr,
  type QuotaLimits,
  type TenantId,
} from '@berth/domain';
import { assertWithinQuota } from '../quotas/quota-guard';

/** The network every container joins when its request names none; made on first use. */
export const DEFAULT_NETWORK_NAME = 'default';

/**
 * Serialises network creation (until the transaction ends), so that two concurrent creates cannot
 * both pass the overlap check.
 */
async function lockNetworks(em: EntityManager): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, ['berth.networks']);
}

/**
 * Creates a network in the caller's transaction. With no `cidr`, `fallbackCidr` is used, or the next
 * free block of its size; an explicit `cidr` that overlaps a live network is `network/overlap`.
 *
 * Address blocks are unique across ALL tenants, not only within one: a host carries networks of many
 * tenants, and its routing table and firewall tell them apart by address. Overlapping blocks on one
 * host would need a VRF or a namespace per network, and these hosts' kernels have no VRF. The message
 * for a clash with another tenant's block names no network, so it reveals only that the block is taken.
 * The network named `default` is the tenant's default one. Counts against the tenant's networks quota
 * (its row is locked first, before the networks lock, as every create path locks them).
 */
export async function createNetwork(
  em: EntityManager,
  tenantId: TenantId,
  name: string,
  cidr: Cidr | null,
  fallbackCidr: Cidr,
  quotas: QuotaLimits,
): Promise<NetworkEntity> {
  await assertWithinQuota(em, tenantId, quotas, { networks: 1 });
  await lockNetworks(em);
  const repo = new NetworkRepository(em);
  if (await repo.findByRef(tenantId, name)) throw networkNameTaken(name);
  const mine = (await repo.listAll(tenantId)).map((n) => ({ network: n, cidr: parseCidr(n.cidr) }));
  const everyone = (
    await em.query<{ cidr: string }[]>(`SELECT cidr FROM networks WHERE deleted_at IS NULL`)
  ).map((r) => parseCidr(r.cidr));
  let block: Cidr;
  if (cidr) {
    const own = mine.find((t) => cidrsOverlap(t.cidr, cidr));
    if (own) {
      throw new DomainError(
        'network/overlap',
        `${formatCidr(cidr)} overlaps your network ${own.network.name} (${own.network.cidr})`,
        { network: own.network.id, cidr: own.network.cidr },
      );
    }
    if (everyone.some((t) => cidrsOverlap(t, cidr))) {
      throw new DomainError(
        'network/overlap',
        `${formatCidr(cidr)} is already in use in berth; omit cidr to get a free block, or pick another`,
      );
    }
    block = cidr;
  } else {
    const free = nextFreeCidr(fallbackCidr, everyone);
    if (!free) {
      throw new DomainError('network/overlap', `no /${fallbackCidr.prefix} block is free; give a cidr`);
    }
    block = free;
  }
  const [{ vni }] = await em.query<[{ vni: number }]>(`SELECT nextval('networks_vni_seq')::integer AS vni`);
  return onUniqueViolation(
    'networks_tenant_name_uq',
    () => networkNameTaken(name),
    () =>
      em.save(
        em.create(NetworkEntity, {
          id: newId('net'),
          tenantId,
          name,
          cidr: formatCidr(block),
          gateway: formatIpv4(gatewayOf(block)),
          vni,
          isDefault: name === DEFAULT_NETWORK_NAME,
          createdAt: new Date(),
          deletedAt: null,
        }),
      ),
  );
}

/**
 * The networks a new container joins, locked against deletion until the transaction ends: those named
 * in `refs` (ids or names, in order), or the default one. `default` is made on first use.
 */
export async function resolveNetworksForCreate(
  em: EntityManager,
  tenantId: TenantId,
  refs: readonly string[] | undefined,
  defaultCidr: Cidr,
  quotas: QuotaLimits,
): Promise<NetworkEntity[]> {
  const wanted = refs && refs.length > 0 ? refs : [DEFAULT_NETWORK_NAME];
  const repo = new NetworkRepository(em);
  const out: NetworkEntity[] = [];
  for (const ref of wanted) {
    let network = await repo.lockByRef(tenantId, ref, 'share');
    if (!network && ref === DEFAULT_NETWORK_NAME) {
      await lockNetworks(em);
      // Another create may have made it while this one waited for the lock.
      network =
        (await repo.lockByRef(tenantId, ref, 'share')) ??
        (await createNetwork(em, tenantId, DEFAULT_NETWORK_NAME, null, defaultCidr, quotas));
    }
    if (!network) throw networkNotFound(ref);
    if (out.some((n) => n.id === network.id)) {
      throw new DomainError(
        'request/invalid',
        `network ${ref} is named twice; a container joins a network once`,
        {
          field: 'networks',
        },
      );
    }
    out.push(network);
  }
  return out;
}

export function networkNotFound(ref: string): DomainError {
  return new DomainError('network/not_found', `network ${ref} does not exist`);
}

function networkNameTaken(name: string): DomainError {
  return new DomainError(
    'network/name_taken',
    `a network named ${name} already exists; pick another name or delete it`,
  );
}
