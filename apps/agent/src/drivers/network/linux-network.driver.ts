import type { AgentNetwork } from '@berth/contracts';
import { bridgeName, vxlanName } from './device-names';
import { CommandError, HostCommands } from './host-commands';
import {
  floodLines,
  networkLines,
  tapLines,
  type BatchLine,
  type FdbEntry,
  type NetworkShape,
} from './link-plan';
import { parseLinkTable, type LinkTable } from './link-state';
import { NFT_TABLE, READY_TAPS_SET, renderGuardInstall } from './nft-ruleset';
import { berthTablesDigest } from './nft-state';
import { NftChangeWatch } from './nft-watch';

export interface LinuxNetworkOptions {
  /** The host's namespace, or null for the real host. */
  readonly netns: string | null;
  /** The host's underlay address: VXLAN's local end, and what other hosts list as this host's peer address. */
  readonly localAddress: string;
  readonly underlayIface: string | null;
  /** Where floating IPs live and masqueraded traffic leaves; null: no public side on this host. */
  readonly publicIface: string | null;
  readonly log: (m: string) => void;
  /** How host tools are run; by default for real, in `netns`. Specs pass one that records the commands. */
  readonly commands?: HostCommands;
}

/** A VM interface's tap to make: its name and MTU. */
export interface TapWanted {
  readonly tap: string;
  readonly mtu: number;
}

/** A network as the data plane wants it on this host: its devices, and the peer hosts of its flood list. */
export interface WantedNetwork extends NetworkShape {
  readonly peers: readonly string[];
}

/**
 * What a firewall pass did: nothing (the kernel still holds what was last applied), applied a new
 * ruleset, or re-applied the same one because the kernel's copy had been changed behind the agent.
 */
export type FirewallPass = 'unchanged' | 'applied' | 'repaired';

/**
 * Even while the change watch reports silence, every this many passes read the kernel's state: a
 * bound on how long a change the watch failed to report could last.
 */
const FULL_READ_EVERY_PASSES = 20;

/**
 * Resolves after the event loop has polled for I/O at least once: two turns through the check phase,
 * since the first may come right after a poll phase that already ran.
 */
async function oneIoPoll(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface AddrInfo {
  ifname: string;
  addr_info?: { local: string; prefixlen: number; label?: string }[];
}

const BRIDGE_NAME = /^bn\d+$/;
const TAP_NAME = /^tp[0-9a-f]{11}$/;
/** A batch line that failed only because its device was gone already (a removal raced another): fine. */
const GONE = /Cannot find device|does not exist/;

/**
 * The host side of tenant networks, with iproute2 and nftables: a Linux bridge per network, a VXLAN
 * device per network (its VNI) joined to the bridge with head-end replication to the peer hosts, a tap
 * per VM interface, and the network's gateway on the bridge with the same address and MAC on every
 * host (an anycast gateway). Every method converges: running it twice changes nothing.
 */
export class LinuxNetworkDriver {
  readonly sh: HostCommands;
  /** Changes run one at a time: the network hook and the periodic sync both converge the same devices. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last ruleset applied, and the digest of berth's tables as the kernel listed them right after. */
  private firewall: { readonly script: string; readonly digest: string } | null = null;
  private readonly changes: NftChangeWatch;
  private passesWithoutRead = 0;
  /**
   * The flood list each VXLAN device was last seen to hold, by VNI, with the device's index then: a
   * device made again has another index, so an entry never vouches for a device it did not see.
   */
  private readonly floodSeen = new Map<number, { readonly index: number; readonly peers: string }>();

  constructor(private readonly opts: LinuxNetworkOptions) {
    this.sh = opts.commands ?? new HostCommands(opts.netns);
    this.changes = new NftChangeWatch(this.sh);
  }

  get publicIface(): string | null {
    return this.opts.publicIface;
  }

  /** Routing and bridge filtering the data plane relies on, and the tap guard before any tap exists. */
  async init(): Promise<void> {
    await this.sh.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // Bridged guest traffic must pass the inet forward chain (security groups): br_netfilter.
    await this.sh.run('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']).catch(() => undefined);
    this.changes.start();
    await this.serial(() => this.installGuardNow());
  }

  /** Stops what init started (the ruleset's change watch); the rules stay, for VMs that outlive the agent. */
  async close(): Promise<void> {
    await this.changes.stop();
  }

  private async installGuardNow(): Promise<void> {
    try {
      await this.sh.nft(renderGuardInstall());
      this.opts.log('firewall: tap guard installed');
    } catch (err) {
      // berth's bridge table is there already (a previous agent's ruleset, its VMs still running):
      // the first sync pass converges it.
      if (!(err instanceof CommandError && /File exists/.test(err.stderr))) throw err;
    }
  }

  ensureNetwork(n: Pick<AgentNetwork, 'vni' | 'cidr' | 'gateway' | 'mtu'>): Promise<void> {
    return this.serial(() => this.ensureNetworkNow(n));
  }

  private async ensureNetworkNow(n: NetworkShape): Promise<void> {
    await this.runIpLines(networkLines(await this.links(), n, this.opts));
  }

  /** The VXLAN flood list: one all-zero FDB entry per peer host. */
  setPeers(vni: number, peers: readonly string[]): Promise<void> {
    return this.serial(async () => this.setPeersNow([{ vni, peers }], await this.links(), false));
  }

  /**
   * Flood lists from one read of the FDB, changed (when they must be) in one `bridge` run. With
   * `trustSeen`, no read at all when every device is the one seen holding the same list last time
   * (the periodic sync pass reads, so a list changed by hand is put back within its interval).
   */
  private async setPeersNow(
    nets: readonly Pick<WantedNetwork, 'vni' | 'peers'>[],
    links: LinkTable,
    trustSeen: boolean,
  ): Promise<void> {
    const key = (n: Pick<WantedNetwork, 'peers'>) =>
      [...new Set(n.peers.filter((p) => p !== this.opts.localAddress))].sort().join(',');
    const indexOf = (vni: number) => links.get(vxlanName(vni))?.index;
    const seenAsWanted = (n: Pick<WantedNetwork, 'vni' | 'peers'>) => {
      const seen = this.floodSeen.get(n.vni);
      return seen !== undefined && seen.index === indexOf(n.vni) && seen.peers === key(n);
    };
    if (nets.length === 0 || (trustSeen && nets.every(seenAsWanted))) return;
    for (const n of nets) this.floodSeen.delete(n.vni);
    const entries = await this.fdb();
    const lines = nets.flatMap((n) => floodLines(entries, n.vni, n.peers, this.opts.localAddress));
    if (lines.length > 0) await this.sh.bridgeBatch(lines);
    for (const n of nets) {
      const index = indexOf(n.vni);
      // A device made by this pass is not in `links`: the next pass records it.
      if (index !== undefined) this.floodSeen.set(n.vni, { index, peers: key(n) });
    }
  }

  /**
   * Makes this host's networks and taps the wanted ones, from one read of the links: each wanted
   * network's bridge and VXLAN device right (and its flood list, from one read of the FDB), the taps
   * in `make` made (as prepareTap does), every other berth network and every tap neither in `taps`
   * nor in `make` removed. A pass over links already in place runs two reads and no change; one with
   * `trustFlood` (see setPeersNow) may skip the FDB's.
   */
  convergeLinks(
    networks: readonly WantedNetwork[],
    taps: ReadonlySet<string>,
    opts: { readonly make?: readonly TapWanted[]; readonly trustFlood?: boolean } = {},
  ): Promise<void> {
    return this.serial(() =>
      this.convergeLinksNow(networks, taps, opts.make ?? [], opts.trustFlood ?? false),
    );
  }

  private async convergeLinksNow(
    networks: readonly WantedNetwork[],
    wantedTaps: ReadonlySet<string>,
    make: readonly TapWanted[],
    trustFlood: boolean,
  ): Promise<void> {
    const links = await this.links();
    const taps = new Set([...wantedTaps, ...make.map((t) => t.tap)]);
    const wantedBridges = new Set(networks.map((n) => bridgeName(n.vni)));
    const goneTaps = [...links.keys()].filter((l) => TAP_NAME.test(l) && !taps.has(l));
    const goneVnis = [...links.keys()]
      .filter((l) => BRIDGE_NAME.test(l) && !wantedBridges.has(l))
      .map((l) => Number(l.slice(2)));
    await this.runIpLines([
      ...networks.flatMap((n) => networkLines(links, n, this.opts)),
      ...make.flatMap((t) => tapLines(links, t.tap, t.mtu)),
    ]);
    await this.removeLinks([
      ...goneTaps.map((t) => ['link', 'del', t]),
      ...goneVnis.flatMap((v) => [
        ['link', 'del', vxlanName(v)],
        ['link', 'del', bridgeName(v)],
      ]),
    ]);
    for (const v of goneVnis) this.opts.log(`network vni ${v}: removed`);
    await this.setPeersNow(networks, links, trustFlood);
  }

  removeNetwork(vni: number): Promise<void> {
    return this.serial(() => this.removeNetworkNow(vni));
  }

  private async removeNetworkNow(vni: number): Promise<void> {
    await this.removeLinks([
      ['link', 'del', vxlanName(vni)],
      ['link', 'del', bridgeName(vni)],
    ]);
    this.opts.log(`network vni ${vni}: removed`);
  }

  /**
   * A VM interface's tap, made down and on no bridge: it carries nothing until connectTap, which the
   * network hook calls once the firewall with the tap's verdicts is applied. A tap that exists already
   * (a retried job) is left as it is; the bridge table's guard holds it while it is not covered.
   */
  prepareTap(tap: string, mtu: number): Promise<void> {
    return this.prepareTaps([{ tap, mtu }]);
  }

  /** prepareTap for several taps, from one read of the links and in one `ip` run. */
  prepareTaps(taps: readonly TapWanted[]): Promise<void> {
    return this.serial(async () => {
      const links = await this.links();
      await this.runIpLines(taps.flatMap((t) => tapLines(links, t.tap, t.mtu)));
    });
  }

  /**
   * Joins a tap to its network's bridge and brings it up, only when the kernel's firewall covers it
   * (berth's ruleset names it among the ready taps): the kernel is asked, not a record of what was
   * sent, so a ruleset flushed in between is caught here too.
   */
  connectTap(tap: string, vni: number): Promise<void> {
    return this.serial(() => this.connectTapNow(tap, vni));
  }

  private async connectTapNow(tap: string, vni: number): Promise<void> {
    if (!(await this.firewallCovers(tap)))
      throw new Error(`tap ${tap} has no rules in the host's firewall yet; it stays off its bridge`);
    await this.sh.ip('link', 'set', tap, 'master', bridgeName(vni), 'up');
  }

  private async firewallCovers(tap: string): Promise<boolean> {
    try {
      await this.sh.run('nft', ['get', 'element', 'bridge', NFT_TABLE, READY_TAPS_SET, `{ "${tap}" }`]);
      return true;
    } catch (err) {
      if (err instanceof CommandError) return false;
      throw err;
    }
  }

  removeTap(tap: string): Promise<void> {
    return this.serial(() => this.removeTapNow(tap));
  }

  private async removeTapNow(tap: string): Promise<void> {
    await this.removeLinks([['link', 'del', tap]]);
  }

  /** VNIs of the networks present on this host, from their bridges. */
  async presentNetworks(): Promise<number[]> {
    return [...(await this.links()).keys()].filter((n) => BRIDGE_NAME.test(n)).map((n) => Number(n.slice(2)));
  }

  async presentTaps(): Promise<string[]> {
    return [...(await this.links()).keys()].filter((n) => TAP_NAME.test(n));
  }

  /**
   * Makes berth's nftables tables the given ruleset (a whole one, from renderRuleset), judged from
   * the kernel's state: applies it (atomically, `nft -f`) when it is not the ruleset last applied, when
   * the change watch saw a commit by another process (its pid is not one of the agent's nft runs), or
   * when the kernel's listing of berth's tables differs from the listing taken right after that apply
   * (the ruleset flushed, a chain deleted, a rule added or edited on the host). The kernel's state is
   * read (one `nft -j list ruleset`) when the change watch reports any commit since the last pass, or
   * cannot vouch for the silence, and at least every FULL_READ_EVERY_PASSES passes; a pass over an
   * untouched ruleset runs no nft at all (bench/firewall-sync.bench.ts measures each case).
   */
  convergeFirewall(script: string): Promise<FirewallPass> {
    return this.serial(() => this.convergeFirewallNow(script));
  }

  private async convergeFirewallNow(script: string): Promise<FirewallPass> {
    const last = this.firewall;
    if (last?.script === script) {
      // Let the change watch's pending output in first: a change committed just before this pass counts.
      await oneIoPoll();
      const maybeChanged = this.changes.takeChanged();
      if (this.changes.takeForeign()) {
        this.opts.log("firewall: another process committed to nftables; re-applying berth's ruleset");
      } else {
        if (!maybeChanged && ++this.passesWithoutRead < FULL_READ_EVERY_PASSES) return 'unchanged';
        this.passesWithoutRead = 0;
        if ((await this.berthTablesDigest()) === last.digest) return 'unchanged';
        this.opts.log(
          "firewall: berth's nftables tables were changed outside the agent (flushed or edited); re-applying its ruleset",
        );
      }
    }
    // Forget the previous apply first: if this one fails, the next pass must apply again.
    this.firewall = null;
    await this.sh.nft(script);
    this.firewall = { script, digest: await this.berthTablesDigest() };
    return last?.script === script ? 'repaired' : 'applied';
  }

  private async berthTablesDigest(): Promise<string> {
    const { stdout } = await this.sh.run('nft', ['-j', 'list', 'ruleset']);
    return berthTablesDigest(stdout);
  }

  /**
   * Floating IPs as /32 addresses on the public interface (labelled, so ours are told from the host's
   * own), announced with gratuitous ARP so that the upstream learns where an address moved.
   */
  setFloatingAddresses(addresses: readonly string[]): Promise<void> {
    return this.serial(() => this.setFloatingAddressesNow(addresses));
  }

  private async setFloatingAddressesNow(addresses: readonly string[]): Promise<void> {
    const pub = this.opts.publicIface;
    if (!pub) return;
    const label = `${pub}:f`.slice(0, 15);
    const info = await this.sh.ipJson<AddrInfo[]>('addr', 'show', 'dev', pub);
    const current = new Set(
      (info[0]?.addr_info ?? []).filter((a) => a.label === label && a.prefixlen === 32).map((a) => a.local),
    );
    const wanted = new Set(addresses);
    for (const a of wanted) {
      if (current.has(a)) continue;
      await this.sh.ip('addr', 'add', `${a}/32`, 'dev', pub, 'label', label);
      await this.sh.run('arping', ['-U', '-c', '1', '-I', pub, '-s', a, a]).catch(() => undefined);
    }
    for (const a of current) if (!wanted.has(a)) await this.sh.ip('addr', 'del', `${a}/32`, 'dev', pub);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Every link of the host with its state, in one command. */
  private async links(): Promise<LinkTable> {
    return parseLinkTable((await this.sh.ip('-j', 'addr', 'show')).stdout);
  }

  /** The whole FDB in one command (entries name their device): one read for every network's flood list. */
  private async fdb(): Promise<FdbEntry[]> {
    const { stdout } = await this.sh.bridge('-j', 'fdb', 'show');
    return (stdout.trim() ? JSON.parse(stdout) : []) as FdbEntry[];
  }

  /** Runs `ip` lines in one process, none when there are none. */
  private async runIpLines(lines: readonly BatchLine[]): Promise<void> {
    if (lines.length > 0) await this.sh.ipBatch(lines);
  }

  /**
   * Runs `ip link del` lines in one process. A device that is gone already is not a failure (removals
   * converge, and may race another); anything else fails the run, after every line ran.
   */
  private async removeLinks(lines: readonly BatchLine[]): Promise<void> {
    try {
      await this.runIpLines(lines);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      const failures = err.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('Command failed'));
      if (failures.length === 0 || !failures.every((l) => GONE.test(l))) throw err;
    }
  }
}
