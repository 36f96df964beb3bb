import type { AgentNetwork } from '@berth/contracts';
import { bridgeName, gatewayMac, vxlanName } from './device-names';
import { CommandError, HostCommands } from './host-commands';
import { renderTeardown } from './nft-ruleset';

export interface LinuxNetworkOptions {
  /** The host's namespace, or null for the real host. */
  readonly netns: string | null;
  /** The host's underlay address: VXLAN's local end, and what other hosts list as this host's peer address. */
  readonly localAddress: string;
  readonly underlayIface: string | null;
  /** Where floating IPs live and masqueraded traffic leaves; null: no public side on this host. */
  readonly publicIface: string | null;
  readonly log: (m: string) => void;
}

const VXLAN_PORT = 4789;
const FLOOD_MAC = '00:00:00:00:00:00';

interface LinkInfo {
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

interface FdbEntry {
  mac: string;
  dst?: string;
}

interface AddrInfo {
  ifname: string;
  addr_info?: { local: string; prefixlen: number; label?: string }[];
}

function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1]);
}

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

  constructor(private readonly opts: LinuxNetworkOptions) {
    this.sh = new HostCommands(opts.netns);
  }

  get publicIface(): string | null {
    return this.opts.publicIface;
  }

  /** Routing and bridge filtering the data plane relies on. */
  async init(): Promise<void> {
    await this.sh.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // Bridged guest traffic must pass the inet forward chain (security groups): br_netfilter.
    await this.sh.run('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']).catch(() => undefined);
  }

  ensureNetwork(n: Pick<AgentNetwork, 'vni' | 'cidr' | 'gateway' | 'mtu'>): Promise<void> {
    return this.serial(() => this.ensureNetworkNow(n));
  }

  private async ensureNetworkNow(n: Pick<AgentNetwork, 'vni' | 'cidr' | 'gateway' | 'mtu'>): Promise<void> {
    const br = bridgeName(n.vni);
    const vx = vxlanName(n.vni);
    const links = await this.links();
    if (!links.has(br)) {
      await this.sh.ip('link', 'add', br, 'type', 'bridge');
      this.opts.log(`network vni ${n.vni}: bridge ${br}`);
    }
    await this.sh.ip('link', 'set', br, 'address', gatewayMac(n.vni), 'mtu', String(n.mtu));
    await this.sh.ip('addr', 'replace', `${n.gateway}/${prefixOf(n.cidr)}`, 'dev', br);
    await this.sh.ip('link', 'set', br, 'up');
    if (!links.has(vx)) {
      await this.sh.ip(
        'link',
        'add',
        vx,
        'type',
        'vxlan',
        'id',
        String(n.vni),
        'local',
        this.opts.localAddress,
        'dstport',
        String(VXLAN_PORT),
        'nolearning',
        ...(this.opts.underlayIface ? ['dev', this.opts.underlayIface] : []),
      );
    }
    await this.sh.ip('link', 'set', vx, 'mtu', String(n.mtu), 'master', br, 'up');
  }

  /** The VXLAN flood list: one all-zero FDB entry per peer host. */
  setPeers(vni: number, peers: readonly string[]): Promise<void> {
    return this.serial(() => this.setPeersNow(vni, peers));
  }

  private async setPeersNow(vni: number, peers: readonly string[]): Promise<void> {
    const vx = vxlanName(vni);
    const entries = await this.fdb(vx);
    const current = new Set(entries.filter((e) => e.mac === FLOOD_MAC && e.dst).map((e) => e.dst!));
    const wanted = new Set(peers.filter((p) => p !== this.opts.localAddress));
    for (const p of wanted)
      if (!current.has(p)) await this.sh.bridge('fdb', 'append', FLOOD_MAC, 'dev', vx, 'dst', p);
    for (const p of current)
      if (!wanted.has(p)) await this.sh.bridge('fdb', 'del', FLOOD_MAC, 'dev', vx, 'dst', p);
  }

  removeNetwork(vni: number): Promise<void> {
    return this.serial(() => this.removeNetworkNow(vni));
  }

  private async removeNetworkNow(vni: number): Promise<void> {
    await this.deleteLink(vxlanName(vni));
    await this.deleteLink(bridgeName(vni));
    this.opts.log(`network vni ${vni}: removed`);
  }

  ensureTap(tap: string, vni: number, mtu: number): Promise<void> {
    return this.serial(() => this.ensureTapNow(tap, vni, mtu));
  }

  private async ensureTapNow(tap: string, vni: number, mtu: number): Promise<void> {
    if (!(await this.links()).has(tap)) await this.sh.ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
    await this.sh.ip('link', 'set', tap, 'master', bridgeName(vni), 'mtu', String(mtu), 'up');
  }

  removeTap(tap: string): Promise<void> {
    return this.serial(() => this.removeTapNow(tap));
  }

  private async removeTapNow(tap: string): Promise<void> {
    return this.deleteLink(tap);
  }

  /** VNIs of the networks present on this host, from their bridges. */
  async presentNetworks(): Promise<number[]> {
    return [...(await this.links()).keys()].filter((n) => /^bn\d+$/.test(n)).map((n) => Number(n.slice(2)));
  }

  async presentTaps(): Promise<string[]> {
    return [...(await this.links()).keys()].filter((n) => /^tp[0-9a-f]{11}$/.test(n));
  }

  applyFirewall(script: string): Promise<void> {
    return this.serial(() => this.applyFirewallNow(script));
  }

  private async applyFirewallNow(script: string): Promise<void> {
    await this.sh.nft(script);
  }

  removeFirewall(): Promise<void> {
    return this.serial(() => this.removeFirewallNow());
  }

  private async removeFirewallNow(): Promise<void> {
    await this.sh.nft(renderTeardown());
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

  private async links(): Promise<Map<string, LinkInfo>> {
    const list = await this.sh.ipJson<LinkInfo[]>('link', 'show');
    return new Map(list.map((l) => [l.ifname, l]));
  }

  private async fdb(dev: string): Promise<FdbEntry[]> {
    try {
      const { stdout } = await this.sh.bridge('-j', 'fdb', 'show', 'dev', dev);
      return (stdout.trim() ? JSON.parse(stdout) : []) as FdbEntry[];
    } catch {
      return [];
    }
  }

  private async deleteLink(name: string): Promise<void> {
    try {
      await this.sh.ip('link', 'del', name);
    } catch (err) {
      if (!(err instanceof CommandError && /Cannot find device|does not exist/.test(err.stderr))) throw err;
    }
  }
}
