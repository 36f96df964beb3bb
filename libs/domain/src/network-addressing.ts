// The decisions of network creation and NIC allocation: which block a new network gets and which
// addresses a new NIC may get. Pure; the ledger in the API reads the rows, calls these, and writes.
import { DomainError } from './errors';
import {
  cidrsOverlap,
  FIRST_NIC_SLOT,
  formatCidr,
  nextFreeCidr,
  nicSlotAddress,
  nicSlotEnd,
  parseCidr,
  type Cidr,
} from './ipv4';

/** A live network as the block choice sees it. */
export interface NetworkBlockHolder {
  readonly id: string;
  readonly name: string;
  readonly cidr: string;
}

/**
 * The block a new network gets: the `requested` one when it overlaps no live network (`mine` are the
 * tenant's own, `everyone` all tenants' blocks, the tenant's among them), else the `fallback` block or
 * the next free one of its size. A clash with the tenant's own network names it; a clash with another
 * tenant's names nothing, so it reveals only that the block is taken. Every refusal is
 * `network/overlap`.
 */
export function chooseNetworkBlock(
  requested: Cidr | null,
  fallback: Cidr,
  mine: readonly NetworkBlockHolder[],
  everyone: readonly Cidr[],
): Cidr {
  if (!requested) {
    const free = nextFreeCidr(fallback, everyone);
    if (!free) throw new DomainError('network/overlap', `no /${fallback.prefix} block is free; give a cidr`);
    return free;
  }
  const own = mine.find((n) => cidrsOverlap(parseCidr(n.cidr), requested));
  if (own) {
    throw new DomainError(
      'network/overlap',
      `${formatCidr(requested)} overlaps your network ${own.name} (${own.cidr})`,
      { network: own.id, cidr: own.cidr },
    );
  }
  if (everyone.some((t) => cidrsOverlap(t, requested))) {
    throw new DomainError(
      'network/overlap',
      `${formatCidr(requested)} is already in use in berth; omit cidr to get a free block, or pick another`,
    );
  }
  return requested;
}

/**
 * The slots a NIC on `network` may take (see nicSlotAddress): the allocator gives the lowest free one
 * and hands `end` to the database as the bound of its per-network mark.
 */
export function nicSlots(network: NetworkBlockHolder): { readonly first: number; readonly end: number } {
  return { first: FIRST_NIC_SLOT, end: nicSlotEnd(parseCidr(network.cidr)) };
}

/** The address of NIC slot `slot` on `network` (never the network, gateway or broadcast address). */
export function nicAddressAt(network: NetworkBlockHolder, slot: number): number {
  return nicSlotAddress(parseCidr(network.cidr), slot);
}

/** What a NIC on a network with no free slot gets. */
export function networkFull(network: NetworkBlockHolder): DomainError {
  return new DomainError(
    'network/full',
    `network ${network.name} (${network.cidr}) has no free address; delete a container on it or use another network`,
    { network: network.id },
  );
}
