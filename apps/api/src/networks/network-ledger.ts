import type { EntityManager } from 'typeorm';
import { onUniqueViolation } from '../common/unique-violation';
import { NetworkRepository, type NetworkEntity } from '@berth/db';
import {
  chooseNetworkBlock,
  DomainError,
  formatCidr,
  formatIpv4,
  gatewayOf,
  newId,
  parseCidr,
  type Cidr,
  type QuotaLimits,
  type TenantId,
} from '@berth/domain';
import { assertWithinQuota } from '../quotas/quota-guard';

/** The network every container joins when its request names none; made on first use. */
export const DEFAULT_NETWORK_NAME = 'default';

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
  const repo = new NetworkRepository(em);
  await repo.lockCreation();
  if (await repo.findByRef(tenantId, name)) throw networkNameTaken(name);
  const everyone = (await repo.liveCidrs()).map((c) => parseCidr(c));
  const block = chooseNetworkBlock(cidr, fallbackCidr, await repo.listAll(tenantId), everyone);
  const vni = await repo.nextVni();
  return onUniqueViolation(
    'networks_tenant_name_uq',
    () => networkNameTaken(name),
    () =>
      repo.insert({
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
      await repo.lockCreation();
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
