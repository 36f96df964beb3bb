// Which addresses the agent may pull images from. A tenant chooses the image reference, so without this
// check it could make the host fetch from its own loopback services, the cloud's metadata endpoint
// (169.254.169.254) or the operator's private networks (server-side request forgery). Loopback,
// link-local, private, shared (CGNAT), unspecified, multicast and reserved ranges are refused unless the
// operator allows a range (BERTH_REGISTRY_ALLOW_CIDRS). IPv6 forms that embed an IPv4 address (mapped,
// compatible, NAT64) are judged by that IPv4 address.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, isIPv4 } from 'node:net';
import { parseIpCidr } from '@berth/config';

/** Every range refused by default, as CIDR text. */
export const REFUSED_RANGES: readonly string[] = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches the host itself
  '10.0.0.0/8',
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, including the metadata service 169.254.169.254
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the broadcast address
  '::/128',
  '::1/128',
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'ff00::/8', // multicast
];

/** Why a pull was refused; the registry client turns it into a coded, terminal image error. */
export class RegistryAddressRefusedError extends Error {
  override readonly name = 'RegistryAddressRefusedError';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `${address} is a loopback, link-local, private or reserved address; registries there are not allowed on this host`
        : `${host} resolves to ${address}, a loopback, link-local, private or reserved address; registries there are not allowed on this host`,
    );
  }
}

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const c = parseIpCidr(text);
    if (!c) throw new Error(`"${text}" is not a CIDR block`);
    list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

/** Sixteen bytes of an IPv6 address, or null when the text is not one. */
function ipv6Bytes(address: string): Buffer | null {
  if (isIP(address) !== 6) return null;
  let text = address;
  // a trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = quad[1].split('.').map(Number);
    text = `${text.slice(0, -quad[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  if (groups.length !== 8) return null;
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
  return bytes;
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks) and NAT64 (64:ff9b::a.b.c.d).
 */
export function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const zeroUpTo = (n: number): boolean => b.subarray(0, n).every((x) => x === 0);
  const v4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return v4;
  if (zeroUpTo(12) && b.readUInt32BE(12) > 1) return v4; // not :: or ::1, which are their own
  if (b.readUInt32BE(0) === 0x0064ff9b && b.subarray(4, 12).every((x) => x === 0)) return v4;
  return null;
}

/** Decides, for one agent, which registry addresses it may connect to. */
export class RegistryAddressPolicy {
  private readonly refused = blockListOf(REFUSED_RANGES);
  private readonly allowed: BlockList;

  /** `allowCidrs`: ranges the operator allows although they are refused by default. */
  constructor(readonly allowCidrs: readonly string[] = []) {
    this.allowed = blockListOf(allowCidrs);
  }

  /** True when a connection to this IP address is allowed. */
  allows(address: string): boolean {
    // BlockList answers "not listed" for text that is no address at all: refuse it instead.
    if (isIP(address) === 0) return false;
    const v4 = isIPv4(address) ? address : embeddedIpv4(address);
    const [text, family] = v4 ? [v4, 'ipv4' as const] : [address, 'ipv6' as const];
    if (this.allowed.check(address, isIPv4(address) ? 'ipv4' : 'ipv6') || this.allowed.check(text, family))
      return true;
    return !this.refused.check(text, family);
  }

  /** Throws RegistryAddressRefusedError when `host` is an IP literal this host may not connect to. */
  checkLiteral(host: string): void {
    const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(address) !== 0 && !this.allows(address)) throw new RegistryAddressRefusedError(host, address);
  }

  /**
   * A `lookup` for net.connect: resolves the name and refuses it when any of its addresses is refused,
   * so the socket connects to an address that was checked, never to a second answer of the DNS
   * (rebinding). Refusing on any bad address, not only on the one picked, leaves no way round it.
   */
  readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const bad = addresses.find((a) => !this.allows(a.address));
      if (bad) {
        callback(new RegistryAddressRefusedError(hostname, bad.address), []);
        return;
      }
      const first = addresses[0];
      if (options.all) callback(null, addresses);
      else if (first) callback(null, first.address, first.family);
      else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    });
  };
}
