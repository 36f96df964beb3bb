import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AgentDataplane } from '@berth/contracts';
import type { ContainerId, TenantId } from '@berth/domain';
import type { ApiClientService } from '../api-client/api-client.service';
import type { AgentConfig } from '../config.provider';
import type { Driver, MachineSpec } from '../drivers/driver';
import { bridgeName, gatewayMac, tapName, vxlanName } from '../drivers/network/device-names';
import { CommandError, HostCommands, type CommandResult } from '../drivers/network/host-commands';
import { LinuxNetworkDriver } from '../drivers/network/linux-network.driver';
import { DataplaneSyncService } from '../reporter/dataplane-sync.service';
import { NetworkHook } from './network.hook';

interface FakeLink {
  index: number;
  up: boolean;
  mtu: number;
  master: string | null;
  address: string;
  inet: string[];
}

/**
 * A host for specs: runs no process, records every command the driver would spawn, and keeps a small
 * model of the links, the FDB and the last nft ruleset so that reads answer what earlier commands did.
 */
export class FakeHost extends HostCommands {
  readonly spawned: string[] = [];
  readonly links = new Map<string, FakeLink>();
  readonly fdb: { mac: string; ifname: string; dst?: string }[] = [];
  ruleset = '';
  private lastIndex = 0;
  /** When false, `nft get element` finds nothing: the kernel's ruleset lost the tap. */
  nftHoldsRuleset = true;

  constructor() {
    super(null);
  }

  /**
   * What the nft change watch spawns: `true`, which ends at once, so the watch never vouches for
   * silence and every unchanged-script pass reads the ruleset (as with a watch that is down).
   */
  override wrap(): [string, string[]] {
    return ['true', []];
  }

  override run(cmd: string, args: readonly string[], input?: string): Promise<CommandResult> {
    this.spawned.push([cmd, ...args].join(' '));
    try {
      return Promise.resolve({ stdout: this.answer(cmd, args, input), stderr: '' });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private answer(cmd: string, args: readonly string[], input?: string): string {
    const line = args.join(' ');
    if (cmd === 'ip' && line === '-j addr show')
      return JSON.stringify(
        [...this.links].map(([ifname, l]) => ({
          ifindex: l.index,
          ifname,
          flags: l.up ? ['UP'] : [],
          mtu: l.mtu,
          ...(l.master ? { master: l.master } : {}),
          address: l.address,
          addr_info: l.inet.map((a) => ({
            family: 'inet',
            local: a.split('/')[0],
            prefixlen: Number(a.split('/')[1]),
          })),
        })),
      );
    if (cmd === 'ip' && line === '-force -batch -') {
      for (const l of (input ?? '').split('\n').filter(Boolean)) this.applyIp(l.split(' '));
      return '';
    }
    if (cmd === 'ip') return (this.applyIp([...args]), '');
    if (cmd === 'bridge' && line === '-j fdb show') return JSON.stringify(this.fdb);
    if (cmd === 'bridge' && line === '-force -batch -') {
      for (const l of (input ?? '').split('\n').filter(Boolean)) {
        const [, op, mac, , dev, , dst] = l.split(' ');
        if (op === 'append') this.fdb.push({ mac: mac!, ifname: dev!, dst: dst! });
        else
          this.fdb.splice(
            this.fdb.findIndex((e) => e.ifname === dev && e.dst === dst),
            1,
          );
      }
      return '';
    }
    if (cmd === 'nft' && line === '-f -') return ((this.ruleset = input ?? ''), '');
    if (cmd === 'nft' && line === '-j list ruleset') return '{"nftables":[]}';
    if (cmd === 'nft' && args[0] === 'get') {
      const tap = /"(tp[0-9a-f]+)"/.exec(line)?.[1] ?? '';
      if (this.nftHoldsRuleset && this.ruleset.includes(`"${tap}"`)) return '';
      throw new CommandError(`nft ${line}`, 'Error: Could not process rule: No such file or directory', 1);
    }
    throw new Error(`the fake host does not know ${cmd} ${line}`);
  }

  private applyIp(w: string[]): void {
    const link = (name: string) => {
      const l = this.links.get(name);
      if (!l) throw new CommandError(`ip ${w.join(' ')}`, `Cannot find device "${name}"`, 1);
      return l;
    };
    const fresh = (): FakeLink => ({
      index: ++this.lastIndex,
      up: false,
      mtu: 1500,
      master: null,
      address: 'aa:aa:aa:aa:aa:aa',
      inet: [],
    });
    if (w[0] === 'link' && w[1] === 'add') this.links.set(w[2]!, fresh());
    else if (w[0] === 'tuntap' && w[1] === 'add') this.links.set(w[3]!, fresh());
    else if (w[0] === 'link' && w[1] === 'del') {
      link(w[2]!);
      this.links.delete(w[2]!);
    } else if (w[0] === 'addr' && w[1] === 'replace') link(w[4]!).inet.push(w[2]!);
    else if (w[0] === 'link' && w[1] === 'set') {
      const l = link(w[2]!);
      for (let i = 3; i < w.length; i++) {
        if (w[i] === 'up') l.up = true;
        else if (w[i] === 'mtu') l.mtu = Number(w[++i]);
        else if (w[i] === 'address') l.address = w[++i]!;
        else if (w[i] === 'master') l.master = w[++i]!;
      }
    } else throw new Error(`the fake host does not know ip ${w.join(' ')}`);
  }
}

const net = { id: 'net_a', vni: 4242, cidr: '10.60.0.0/24', gateway: '10.60.0.1', mtu: 1450 };
const PEER = '198.18.0.2';
const LOCAL = '198.18.0.1';

function dataplane(containerIds: string[]): AgentDataplane {
  return {
    hostId: 'hst_a',
    readAt: new Date().toISOString(),
    networks: [{ ...net, peers: [LOCAL, PEER], members: [] }],
    ports: containerIds.map((c, i) => ({
      containerId: c,
      networkId: net.id,
      ip: `10.60.0.${10 + i}`,
      mac: `52:54:00:00:00:${(10 + i).toString(16)}`,
      ingress: [],
      egress: [],
    })),
    floatingIps: [],
  };
}

function spec(id: string, i: number): MachineSpec {
  return {
    id: id as ContainerId,
    nics: [
      {
        networkId: net.id,
        vni: net.vni,
        ip: `10.60.0.${10 + i}`,
        prefixLength: 24,
        gateway: net.gateway,
        mac: `52:54:00:00:00:${(10 + i).toString(16)}`,
        mtu: net.mtu,
      },
    ],
  } as unknown as MachineSpec;
}

/**
 * The network hook's cost is the host commands it spawns (each ~5-20 ms): these count them for a
 * container on a network this host has already, with the real driver and data-plane pass over a host
 * that runs nothing, and check the order that keeps a tap from carrying frames without its rules.
 */
describe('NetworkHook.prepare on a host that has the network already', () => {
  let stateDir: string;
  let host: FakeHost;
  let hook: NetworkHook;
  let sync: DataplaneSyncService;
  let driver: LinuxNetworkDriver;

  beforeEach(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'berth-nethook-'));
    host = new FakeHost();
    const config = { stateDir, driver: 'qemu' } as unknown as AgentConfig;
    driver = new LinuxNetworkDriver({
      netns: null,
      localAddress: LOCAL,
      underlayIface: null,
      publicIface: null,
      log: () => undefined,
      commands: host,
    });
    const machines = { status: () => Promise.resolve({ state: 'stopped' }) } as unknown as Driver;
    // What the API answers the periodic pass (the claims carry their own).
    const api = { dataplane: () => Promise.resolve(dataplane(['ctr_first'])) } as unknown as ApiClientService;
    sync = new DataplaneSyncService(config, driver, machines, api);
    hook = new NetworkHook(config, driver, api, sync);
    // The first container brings the network to this host; a periodic pass follows.
    await hook.prepare(spec('ctr_first', 0), ctx(dataplane(['ctr_first'])));
    await sync.syncNow();
    host.spawned.length = 0;
  });

  afterEach(async () => {
    await driver.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const ctx = (dp: AgentDataplane) => ({
    tenantId: 'ten_a' as TenantId,
    registryCredentials: null,
    dataplane: dp,
  });

  it('spawns six commands: one read of the links, one ip run that makes the tap, the firewall apply, the check and the join', async () => {
    const tap = tapName('ctr_next', net.id);
    await hook.prepare(spec('ctr_next', 1), ctx(dataplane(['ctr_first', 'ctr_next'])));
    expect(host.spawned).toEqual([
      'ip -j addr show', // the pass: the network is in place, its flood list as last seen...
      'ip -force -batch -', // ...so its one ip run only makes the tap (down, on no bridge) and sets its MTU
      'nft -f -', // the ruleset that names the new tap as ready
      'nft -j list ruleset', // the digest of what the kernel holds
      `nft get element bridge berth ready_taps { "${tap}" }`, // connectTap asks the kernel...
      `ip link set ${tap} master ${bridgeName(net.vni)} up`, // ...before the tap joins and goes up
    ]);
    expect(host.links.get(tap)).toMatchObject({ up: true, mtu: net.mtu, master: bridgeName(net.vni) });
  });

  it('repairs the network from the same single read when its devices were changed behind the agent', async () => {
    host.links.get(bridgeName(net.vni))!.up = false;
    host.links.delete(vxlanName(net.vni));
    host.fdb.length = 0;
    await hook.prepare(spec('ctr_next', 1), ctx(dataplane(['ctr_first', 'ctr_next'])));
    expect(host.links.get(bridgeName(net.vni))).toMatchObject({ up: true, address: gatewayMac(net.vni) });
    expect(host.links.get(vxlanName(net.vni))).toMatchObject({ up: true, master: bridgeName(net.vni) });
    // A VXLAN device made again is not the one whose flood list was seen: its list is read and set.
    expect(host.fdb).toEqual([{ mac: '00:00:00:00:00:00', ifname: vxlanName(net.vni), dst: PEER }]);
    expect(host.spawned.filter((c) => c === 'ip -j addr show')).toHaveLength(1);
  });

  it('puts back a flood entry removed by hand with the next periodic pass, which reads the FDB', async () => {
    host.fdb.length = 0;
    await hook.prepare(spec('ctr_next', 1), ctx(dataplane(['ctr_first', 'ctr_next'])));
    expect(host.spawned).not.toContain('bridge -j fdb show'); // a launch trusts the list it saw
    await sync.syncNow();
    expect(host.spawned).toContain('bridge -j fdb show');
    expect(host.fdb).toEqual([{ mac: '00:00:00:00:00:00', ifname: vxlanName(net.vni), dst: PEER }]);
  });

  it('leaves the tap down and off its bridge when the kernel does not hold its rules', async () => {
    host.nftHoldsRuleset = false;
    const tap = tapName('ctr_next', net.id);
    await expect(
      hook.prepare(spec('ctr_next', 1), ctx(dataplane(['ctr_first', 'ctr_next']))),
    ).rejects.toThrow(/no rules in the host's firewall/);
    expect(host.links.get(tap)).toMatchObject({ up: false, master: null });
    expect(host.spawned.some((c) => c.includes(`set ${tap} master`))).toBe(false);
  });
});
