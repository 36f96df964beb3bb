/** What the driver needs to know of one host link, from one `ip -j addr show` listing of them all. */
export interface LinkState {
  readonly name: string;
  /** The kernel's number for this device: a device removed and made again gets a new one. */
  readonly index: number;
  readonly up: boolean;
  readonly mtu: number;
  readonly master: string | null;
  /** Its MAC address. */
  readonly address: string;
  /** Its IPv4 addresses as `a.b.c.d/prefix`. */
  readonly inet: readonly string[];
}

export type LinkTable = ReadonlyMap<string, LinkState>;

interface AddrShowEntry {
  ifindex?: number;
  ifname: string;
  flags?: string[];
  mtu?: number;
  master?: string;
  address?: string;
  addr_info?: { family?: string; local: string; prefixlen: number }[];
}

/**
 * Reads `ip -j addr show`: every link with its flags, MTU, master, MAC and addresses in one command,
 * so that a converging pass decides what to change from a single read of the kernel's state.
 */
export function parseLinkTable(listing: string): LinkTable {
  const entries = (listing.trim() ? JSON.parse(listing) : []) as AddrShowEntry[];
  return new Map(
    entries.map((e) => [
      e.ifname,
      {
        name: e.ifname,
        index: e.ifindex ?? 0,
        up: (e.flags ?? []).includes('UP'),
        mtu: e.mtu ?? 0,
        master: e.master ?? null,
        address: (e.address ?? '').toLowerCase(),
        inet: (e.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
      },
    ]),
  );
}
