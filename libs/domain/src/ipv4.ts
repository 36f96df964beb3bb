// IPv4 addresses and CIDR blocks for IPAM, floating-IP pools and firewall rules. Addresses are plain
// numbers (unsigned 32-bit) inside, dotted quads at the edges. Text is parsed strictly: no leading
// zeros (some tools read 010 as octal), no host bits set in a CIDR, so that one address or block has
// exactly one spelling and unique constraints on the text in Postgres mean what they say.
import { DomainError } from './errors';

/** A block of addresses: `network` has no host bits set. */
export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

/** An inclusive run of addresses, as a floating-IP pool is made of. */
export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4_PATTERN = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PREFIX_PATTERN = /^(3[0-2]|[12]?[0-9])$/;

/** The address as a number, or null when `text` is not a dotted quad. */
export function parseIpv4(text: string): number | null {
  const m = IPV4_PATTERN.exec(text);
  if (!m) return null;
  return ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]);
}

export function isIpv4(text: unknown): text is string {
  return typeof text === 'string' && parseIpv4(text) !== null;
}

export function formatIpv4(address: number): string {
  if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
    throw new RangeError(`not an IPv4 address: ${address}`);
  }
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join('.');
}

/** The netmask of a prefix length, as a number (/0 is 0, /32 is 255.255.255.255). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Number of addresses in the block, network and broadcast included. */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function lastAddress(c: Cidr): number {
  return c.network + cidrSize(c) - 1;
}

/**
 * `a.b.c.d/n` with no host bits set, or null. With `{ hostAsSlash32: true }` a bare address is taken
 * as its /32 (how firewall rules name one peer).
 */
export function tryParseCidr(text: string, opts: { hostAsSlash32?: boolean } = {}): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const address = opts.hostAsSlash32 ? parseIpv4(text) : null;
    return address === null ? null : { network: address, prefix: 32 };
  }
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !PREFIX_PATTERN.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if ((address & ~prefixMask(prefix)) >>> 0 !== 0) return null;
  return { network: address, prefix };
}

/**
 * As tryParseCidr, but throws DomainError('request/invalid') naming `field`, and says what was meant
 * when only host bits are wrong (`10.0.0.5/24` -> `10.0.0.0/24`).
 */
export function parseCidr(text: string, field = 'cidr', opts: { hostAsSlash32?: boolean } = {}): Cidr {
  const parsed = tryParseCidr(text, opts);
  if (parsed) return parsed;
  const slash = text.indexOf('/');
  const address = slash < 0 ? null : parseIpv4(text.slice(0, slash));
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  if (address !== null && PREFIX_PATTERN.test(prefixText)) {
    const prefix = Number(prefixText);
    const canonical = formatCidr({ network: (address & prefixMask(prefix)) >>> 0, prefix });
    throw new DomainError(
      'request/invalid',
      `${field} ${text} has host bits set; did you mean ${canonical}?`,
      { field, suggestion: canonical },
    );
  }
  throw new DomainError(
    'request/invalid',
    `${field} must be an IPv4 block such as 10.0.0.0/24${opts.hostAsSlash32 ? ' or one address' : ''}, got "${text.slice(0, 64)}"`,
    { field },
  );
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

/** True when `inner` (an address or a block) lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr | number): boolean {
  const block: Cidr = typeof inner === 'number' ? { network: inner, prefix: 32 } : inner;
  return block.prefix >= outer.prefix && (block.network & prefixMask(outer.prefix)) >>> 0 === outer.network;
}

/** Two CIDR blocks overlap exactly when one contains the other. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * Usable host addresses: all but the network and broadcast addresses, except that a /31 has two
 * (RFC 3021, point to point) and a /32 one.
 */
export function hostCount(c: Cidr): number {
  if (c.prefix === 32) return 1;
  if (c.prefix === 31) return 2;
  return cidrSize(c) - 2;
}

/** The `n`-th usable host address, from 0. Throws RangeError outside `[0, hostCount)`. */
export function nthHost(c: Cidr, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n >= hostCount(c)) {
    throw new RangeError(`${formatCidr(c)} has ${hostCount(c)} host addresses; there is no host ${n}`);
  }
  return c.prefix >= 31 ? c.network + n : c.network + 1 + n;
}

/** The network's gateway: its first usable address (where the host's bridge answers). */
export function gatewayOf(c: Cidr): number {
  return nthHost(c, 0);
}

/** The broadcast address, or null for a /31 or /32 (which have none). */
export function broadcastOf(c: Cidr): number | null {
  return c.prefix >= 31 ? null : lastAddress(c);
}

/** Addresses a container can get: the usable hosts minus the gateway. */
export function assignableHostCount(c: Cidr): number {
  return Math.max(0, hostCount(c) - 1);
}

/**
 * A container's address is a host of its block other than the gateway: host number `slot` as nthHost
 * counts, for `FIRST_NIC_SLOT <= slot < nicSlotEnd(c)`. The allocator keeps slots (a per-network mark
 * and a free list), so this is the one place that says which address is a container's.
 */
export const FIRST_NIC_SLOT = 1;

export function nicSlotEnd(c: Cidr): number {
  return hostCount(c);
}

/** The address of NIC slot `slot`; RangeError outside `[FIRST_NIC_SLOT, nicSlotEnd(c))`. */
export function nicSlotAddress(c: Cidr, slot: number): number {
  if (!Number.isInteger(slot) || slot < FIRST_NIC_SLOT || slot >= nicSlotEnd(c)) {
    throw new RangeError(`${formatCidr(c)} has no NIC slot ${slot}`);
  }
  return nthHost(c, slot);
}

// ---- private ranges and tenant networks ----

/** RFC 1918 and the shared address space (RFC 6598): where tenant networks may be. */
export const PRIVATE_RANGES: readonly Cidr[] = Object.freeze(
  ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((t) => tryParseCidr(t)!),
);

export const NETWORK_PREFIX_MIN = 16;
export const NETWORK_PREFIX_MAX = 29;

export function privateRangeOf(c: Cidr): Cidr | null {
  return PRIVATE_RANGES.find((r) => cidrContains(r, c)) ?? null;
}

/**
 * Parses a tenant network's block: IPv4, /16 to /29, inside a private range. Throws
 * DomainError('request/invalid') saying which rule was broken.
 */
export function validateNetworkCidr(text: string, field = 'cidr'): Cidr {
  const c = parseCidr(text, field);
  if (c.prefix < NETWORK_PREFIX_MIN || c.prefix > NETWORK_PREFIX_MAX) {
    throw new DomainError(
      'request/invalid',
      `${field} ${text} must have a prefix from /${NETWORK_PREFIX_MIN} to /${NETWORK_PREFIX_MAX}`,
      { field },
    );
  }
  if (!privateRangeOf(c)) {
    throw new DomainError(
      'request/invalid',
      `${field} ${text} must be inside a private range: ${PRIVATE_RANGES.map(formatCidr).join(', ')}`,
      { field },
    );
  }
  return c;
}

/**
 * `preferred` when it overlaps none of `taken`, else the next block of the same size (upward, then
 * wrapping around) inside the same private range that overlaps none, or null. A tenant's default
 * network uses this so that a network the tenant made first never blocks the default one.
 */
export function nextFreeCidr(preferred: Cidr, taken: readonly Cidr[]): Cidr | null {
  const range = privateRangeOf(preferred) ?? preferred;
  const size = cidrSize(preferred);
  const blocks = cidrSize(range) / size;
  const start = (preferred.network - range.network) / size;
  for (let i = 0; i < blocks; i++) {
    const candidate: Cidr = {
      network: range.network + ((start + i) % blocks) * size,
      prefix: preferred.prefix,
    };
    if (!taken.some((t) => cidrsOverlap(t, candidate))) return candidate;
  }
  return null;
}

// ---- floating-IP pools ----

/**
 * The operator's public pool: CIDR blocks and single addresses, comma separated. A block of /30 or
 * larger gives its addresses without the network and broadcast ones (they are not assignable when the
 * block is an on-link subnet); a /31 both, a /32 or a bare address itself. Ranges come back sorted;
 * overlapping entries are refused (the operator meant something else). Empty text is an empty pool.
 */
export function parseAddressPool(text: string): Ipv4Range[] {
  const ranges: Ipv4Range[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const c = parseCidr(item, 'pool entry', { hostAsSlash32: true });
    ranges.push(
      c.prefix >= 31
        ? { first: c.network, last: lastAddress(c) }
        : { first: c.network + 1, last: lastAddress(c) - 1 },
    );
  }
  ranges.sort((a, b) => a.first - b.first);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.first <= prev.last) {
      throw new DomainError(
        'request/invalid',
        `pool entries overlap at ${formatIpv4(cur.first)}; list each address once`,
      );
    }
  }
  return ranges;
}

export function poolSize(pool: readonly Ipv4Range[]): number {
  return pool.reduce((n, r) => n + (r.last - r.first + 1), 0);
}

export function poolContains(pool: readonly Ipv4Range[], address: number): boolean {
  return pool.some((r) => address >= r.first && address <= r.last);
}

/** The lowest pool address not in `used`, or null when every one is taken. At most `used.size + 1` steps per range. */
export function lowestFreeInPool(pool: readonly Ipv4Range[], used: ReadonlySet<number>): number | null {
  for (const r of pool) {
    for (let a = r.first; a <= r.last; a++) if (!used.has(a)) return a;
  }
  return null;
}
