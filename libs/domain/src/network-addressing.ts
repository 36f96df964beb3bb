// The decisions of network creation and NIC allocation: which block a new network gets and which
// address a new NIC gets. Pure; the ledger in the API reads the rows, calls these, and writes.
import { DomainError } from './errors';
import {
  cidrsOverlap,
  formatCidr,
  lowestFreeHost,
  nextFreeCidr,
  parseCidr,
  parseIpv4,
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
 * The address a new NIC on `network` gets: the lowest free host address (not the network, gateway or
 * broadcast address) given the addresses `taken` on it (text that is no address is ignored). A full
 * network is `network/full`.
 */
export function chooseNicAddress(network: NetworkBlockHolder, taken: readonly string[]): number {
  const used = new Set<number>();
  for (const ip of taken) {
    const n = parseIpv4(ip);
    if (n !== null) used.add(n);
  }
  const address = lowestFreeHost(parseCidr(network.cidr), used);
  if (address === null) {
    throw new DomainError(
      'network/full',
      `network ${network.name} (${network.cidr}) has no free address; delete a container on it or use another network`,
      { network: network.id },
    );
  }
  return address;
}
