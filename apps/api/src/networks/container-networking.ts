import type { EntityManager } from 'typeorm';
import type { ContainerNicView } from '@berth/contracts';
import {
  ContainerNetworkingRepository,
  IpAllocationRepository,
  SecurityGroupRepository,
  type NetworkEntity,
  type SecurityGroupEntity,
} from '@berth/db';
import {
  DomainError,
  formatIpv4,
  networkFull,
  newMac,
  nicAddressAt,
  nicSlots,
  type ContainerId,
  type HostId,
  type SecurityGroupId,
  type TenantId,
} from '@berth/domain';

/** A container may wear at most this many security groups (as an AWS interface). */
export const MAX_GROUPS_PER_CONTAINER = 5;

/** How often one NIC's insert is retried after losing a race for its address or MAC. */
const ALLOCATION_ATTEMPTS = 32;

/** What a container view shows of its networking. */
export interface ContainerNetworking {
  readonly networks: ContainerNicView[];
  readonly securityGroups: string[];
}

export const NO_NETWORKING: ContainerNetworking = Object.freeze({ networks: [], securityGroups: [] });

/**
 * Gives the container a NIC on each network, in order (eth0 is the first), and answers them as a view
 * shows them, in that order. Each NIC gets the lowest
 * free host address (not the network, gateway or broadcast address: its NIC slot, see nicSlots) and a
 * random MAC, in a fixed number of statements whatever the network's size: the slot comes from the
 * network's free list or mark (IpAllocationRepository.takeSlotAndInsert), and addresses freed by
 * releaseContainerNetworking are given again, lowest first. The unique constraints still decide races:
 * an insert that collides with another NIC's address (one not written by this allocator) or MAC does
 * nothing, and the address or the MAC is chosen again. A full network is `network/full`. The networks
 * must be locked against deletion by the caller (resolveNetworksForCreate).
 */
export async function allocateNics(
  em: EntityManager,
  containerId: ContainerId,
  networks: readonly NetworkEntity[],
): Promise<ContainerNicView[]> {
  // Networks' marks are taken in one order (by id) by every create, so that two creates joining the
  // same networks in different orders cannot each hold a mark the other waits for.
  const byId = [...networks.entries()].sort(([, a], [, b]) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const nics: ContainerNicView[] = [];
  for (const [nicIndex, network] of byId) {
    nics[nicIndex] = await allocateNic(em, containerId, network, nicIndex);
  }
  return nics;
}

async function allocateNic(
  em: EntityManager,
  containerId: ContainerId,
  network: NetworkEntity,
  nicIndex: number,
): Promise<ContainerNicView> {
  const nics = new IpAllocationRepository(em);
  const slots = nicSlots(network);
  const firstAddress = formatIpv4(nicAddressAt(network, slots.first));
  let slot: number | null = null;
  for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
    const mac = newMac();
    let ip: string;
    if (slot === null) {
      // Usually the whole allocation: a slot taken and the NIC inserted in one statement.
      const took = await nics.takeSlotAndInsert(
        { containerId, networkId: network.id, mac, nicIndex },
        slots,
        firstAddress,
      );
      if (!took) throw networkFull(network);
      slot = took.slot;
      ip = formatIpv4(nicAddressAt(network, slot));
      // The statement counts addresses on from the first slot's; the domain decides what a slot's is.
      if (took.ip !== ip)
        throw new Error(`slot ${slot} of ${network.id} is ${ip}, the database said ${took.ip}`);
      if (took.inserted) return { networkId: network.id, name: network.name, ip, mac };
    } else {
      ip = formatIpv4(nicAddressAt(network, slot));
      if (await nics.tryInsert({ containerId, networkId: network.id, ip, slot, mac, nicIndex })) {
        return { networkId: network.id, name: network.name, ip, mac };
      }
    }
    // The MAC collided, or the address is held by a NIC the allocator did not give out (its slot comes
    // back to the free list when that NIC is released): keep the slot only in the first case.
    if (await nics.addressTaken(network.id, ip)) slot = null;
  }
  throw new Error(`could not allocate an address on ${network.id} in ${ALLOCATION_ATTEMPTS} attempts`);
}

/**
 * The tenant's groups named by `refs` (ids or names), locked against deletion until the transaction
 * ends. Unknown ones are `security_group/not_found`; more than MAX_GROUPS_PER_CONTAINER is refused.
 */
export async function resolveGroups(
  em: EntityManager,
  tenantId: TenantId,
  refs: readonly string[],
): Promise<SecurityGroupEntity[]> {
  const repo = new SecurityGroupRepository(em);
  const out: SecurityGroupEntity[] = [];
  for (const ref of refs) {
    const g = await repo.lockByRef(tenantId, ref, 'share');
    if (!g) throw securityGroupNotFound(ref);
    if (!out.some((o) => o.id === g.id)) out.push(g);
  }
  if (out.length > MAX_GROUPS_PER_CONTAINER) throw tooManyGroups();
  return out;
}

/** Attaches groups to a container; attaching one it already has changes nothing. */
export async function attachGroups(
  em: EntityManager,
  containerId: ContainerId,
  groupIds: readonly SecurityGroupId[],
): Promise<void> {
  await new ContainerNetworkingRepository(em).attachGroups(containerId, groupIds);
}

/**
 * Frees what a deleted container held: its addresses and MACs, its group attachments, and the
 * floating IP it had (the tenant keeps the floating IP, detached). Call it in the transaction that
 * makes the container `deleted`, wherever that happens; idempotent.
 */
export async function releaseContainerNetworking(em: EntityManager, containerId: ContainerId): Promise<void> {
  await new ContainerNetworkingRepository(em).release(containerId);
}

/** NICs and groups of each container, for views. */
export async function loadContainerNetworking(
  em: EntityManager,
  containerIds: readonly ContainerId[],
): Promise<Map<ContainerId, ContainerNetworking>> {
  const out = new Map<ContainerId, { networks: ContainerNicView[]; securityGroups: string[] }>();
  if (containerIds.length === 0) return out;
  for (const id of containerIds) out.set(id, { networks: [], securityGroups: [] });
  for (const nic of await new IpAllocationRepository(em).nicsOf(containerIds)) {
    out.get(nic.containerId)?.networks.push({
      networkId: nic.networkId,
      name: nic.networkName,
      ip: nic.ip,
      mac: nic.mac,
    });
  }
  for (const g of await new ContainerNetworkingRepository(em).groupsOf(containerIds)) {
    out.get(g.containerId)?.securityGroups.push(g.groupId);
  }
  return out;
}

export async function networkingOf(
  em: EntityManager,
  containerId: ContainerId,
): Promise<ContainerNetworking> {
  return (await loadContainerNetworking(em, [containerId])).get(containerId) ?? NO_NETWORKING;
}

// ---- which hosts a change reaches ----

/**
 * Hosts whose data plane a container's arrival or departure changes: its own; those of live containers
 * sharing a network with it (VXLAN peers, host entries); those of live containers whose groups have
 * rules naming one of its groups (the rule's addresses). Call it while the container still has its
 * NICs and groups (before releaseContainerNetworking).
 */
export function hostsAffectedByContainers(
  em: EntityManager,
  containerIds: readonly ContainerId[],
): Promise<HostId[]> {
  return new ContainerNetworkingRepository(em).hostsAffectedByContainers(containerIds);
}

/** Hosts of live containers wearing any of `groupIds` (whose rules then changed). */
export function hostsOfGroupMembers(
  em: EntityManager,
  groupIds: readonly SecurityGroupId[],
): Promise<HostId[]> {
  return new ContainerNetworkingRepository(em).hostsOfGroupMembers(groupIds);
}

/** Hosts of live containers whose groups have rules naming one of `groupIds` (whose members changed). */
export function hostsReferencingGroups(
  em: EntityManager,
  groupIds: readonly SecurityGroupId[],
): Promise<HostId[]> {
  return new ContainerNetworkingRepository(em).hostsReferencingGroups(groupIds);
}

export function securityGroupNotFound(ref: string): DomainError {
  return new DomainError('security_group/not_found', `security group ${ref} does not exist`);
}

export function tooManyGroups(): DomainError {
  return new DomainError(
    'quota/exceeded',
    `a container may have at most ${MAX_GROUPS_PER_CONTAINER} security groups; put the rules in fewer groups`,
    { max: MAX_GROUPS_PER_CONTAINER },
  );
}
