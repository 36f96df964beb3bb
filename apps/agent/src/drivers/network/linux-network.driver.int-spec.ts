import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AgentDataplane } from '@berth/contracts';
import { bridgeName, tapName, vxlanName } from './device-names';
import { LinuxNetworkDriver } from './linux-network.driver';
import { renderRuleset } from './nft-ruleset';

jest.setTimeout(60_000);

const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' }).toString();
const ok = (...args: string[]) => {
  try {
    execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * The data plane on real Linux networking, without VMs: two "hosts" (network namespaces joined by a
 * veth underlay), each with berth's bridge and VXLAN for one network, and a "guest" namespace per host
 * plugged into the bridge through a veth named like a tap. Packets are real; every address lives in
 * namespaces this test makes and removes.
 */
describe('LinuxNetworkDriver (network namespaces, real packets)', () => {
  const tag = randomBytes(3).toString('hex');
  const ns = { h1: `bh1-${tag}`, h2: `bh2-${tag}`, g1: `bg1-${tag}`, g2: `bg2-${tag}` };
  const vni = 4000 + (parseInt(tag, 16) % 1000);
  const net = { id: 'net_t', vni, cidr: '10.250.0.0/24', gateway: '10.250.0.1', mtu: 1450 };
  const guests = [
    { host: ns.h1, guest: ns.g1, containerId: 'ctr_one', ip: '10.250.0.10', mac: '52:54:00:aa:00:10' },
    { host: ns.h2, guest: ns.g2, containerId: 'ctr_two', ip: '10.250.0.11', mac: '52:54:00:aa:00:11' },
  ];
  const d1 = new LinuxNetworkDriver({
    netns: ns.h1,
    localAddress: '198.18.7.1',
    underlayIface: 'ul0',
    publicIface: null,
    log: () => undefined,
  });
  const d2 = new LinuxNetworkDriver({
    netns: ns.h2,
    localAddress: '198.18.7.2',
    underlayIface: 'ul0',
    publicIface: null,
    log: () => undefined,
  });

  beforeAll(async () => {
    for (const n of Object.values(ns)) sh('ip', 'netns', 'add', n);
    sh('ip', 'link', 'add', 'ul0', 'netns', ns.h1, 'type', 'veth', 'peer', 'name', 'ul0', 'netns', ns.h2);
    sh('ip', '-n', ns.h1, 'addr', 'add', '198.18.7.1/24', 'dev', 'ul0');
    sh('ip', '-n', ns.h2, 'addr', 'add', '198.18.7.2/24', 'dev', 'ul0');
    for (const h of [ns.h1, ns.h2]) {
      sh('ip', '-n', h, 'link', 'set', 'ul0', 'up');
      sh('ip', '-n', h, 'link', 'set', 'lo', 'up');
    }
    await d1.init();
    await d2.init();
    for (const [d, peer] of [
      [d1, '198.18.7.2'],
      [d2, '198.18.7.1'],
    ] as const) {
      await d.ensureNetwork(net);
      await d.ensureNetwork(net); // converges: a second pass changes nothing
      await d.setPeers(vni, [peer]);
    }
    // A guest is a namespace whose veth peer sits on the bridge under a tap's name.
    for (const g of guests) {
      const tap = tapName(g.containerId, net.id);
      sh('ip', 'link', 'add', tap, 'netns', g.host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g.guest);
      sh('ip', '-n', g.host, 'link', 'set', tap, 'master', bridgeName(vni), 'mtu', '1450', 'up');
      sh('ip', '-n', g.guest, 'link', 'set', 'eth0', 'address', g.mac, 'mtu', '1450', 'up');
      sh('ip', '-n', g.guest, 'addr', 'add', `${g.ip}/24`, 'dev', 'eth0');
      sh('ip', '-n', g.guest, 'route', 'add', 'default', 'via', net.gateway);
    }
  });

  afterAll(() => {
    for (const n of Object.values(ns)) ok('ip', 'netns', 'del', n);
  });

  const ping = (from: string, to: string) =>
    ok('ip', 'netns', 'exec', from, 'busybox', 'ping', '-c', '1', '-W', '2', to);

  function dataplane(ingressOfTwo: AgentDataplane['ports'][number]['ingress']): AgentDataplane {
    return {
      hostId: 'hst_t',
      networks: [{ ...net, peers: [], members: [] }],
      ports: guests.map((g) => ({
        containerId: g.containerId,
        networkId: net.id,
        ip: g.ip,
        mac: g.mac,
        ingress:
          g.containerId === 'ctr_two'
            ? ingressOfTwo
            : [{ protocol: 'all', portFrom: null, portTo: null, cidrs: [net.cidr] }],
        egress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }],
      })),
      floatingIps: [],
    };
  }

  it('carries guest traffic between hosts over VXLAN, and each host answers as the gateway', () => {
    expect(ping(ns.g1, '10.250.0.11')).toBe(true);
    expect(ping(ns.g2, '10.250.0.10')).toBe(true);
    expect(ping(ns.g1, net.gateway)).toBe(true);
    expect(sh('ip', '-n', ns.h1, '-d', 'link', 'show', vxlanName(vni))).toMatch(
      new RegExp(`vxlan id ${vni}`),
    );
    expect(sh('ip', '-n', ns.h1, 'link', 'show', vxlanName(vni))).toMatch(/mtu 1450/);
  });

  it('enforces security-group ingress and anti-spoofing with the rendered ruleset', async () => {
    const allowIcmp = [{ protocol: 'icmp' as const, portFrom: null, portTo: null, cidrs: [net.cidr] }];
    for (const d of [d1, d2]) await d.applyFirewall(renderRuleset(dataplane(allowIcmp), null));
    expect(ping(ns.g1, '10.250.0.11')).toBe(true);

    const onlyTcp80 = [{ protocol: 'tcp' as const, portFrom: 80, portTo: 80, cidrs: ['0.0.0.0/0'] }];
    for (const d of [d1, d2]) await d.applyFirewall(renderRuleset(dataplane(onlyTcp80), null));
    expect(ping(ns.g1, '10.250.0.11')).toBe(false);
    expect(ping(ns.g2, '10.250.0.10')).toBe(true); // one's ingress still allows its network

    // A guest that takes another address is dropped at its own tap.
    sh('ip', '-n', ns.g2, 'addr', 'add', '10.250.0.99/24', 'dev', 'eth0');
    expect(
      ok(
        'ip',
        'netns',
        'exec',
        ns.g2,
        'busybox',
        'ping',
        '-c',
        '1',
        '-W',
        '2',
        '-I',
        '10.250.0.99',
        '10.250.0.10',
      ),
    ).toBe(false);
    // Guests cannot reach the host itself beyond pinging their gateway.
    expect(ping(ns.g1, net.gateway)).toBe(true);
    expect(ok('ip', 'netns', 'exec', ns.g1, 'busybox', 'nc', '-w', '2', '198.18.7.1', '22')).toBe(false);
  });

  it('leaves no device or rule behind when the network goes', async () => {
    for (const [d, g] of [
      [d1, guests[0]!],
      [d2, guests[1]!],
    ] as const) {
      await d.removeTap(tapName(g.containerId, net.id));
      await d.removeTap(tapName(g.containerId, net.id)); // already gone: fine
      await d.removeNetwork(vni);
      await d.removeFirewall();
      expect(await d.presentNetworks()).toEqual([]);
      expect(await d.presentTaps()).toEqual([]);
    }
    for (const h of [ns.h1, ns.h2]) {
      expect(sh('ip', '-n', h, 'link', 'show')).not.toMatch(/\b(bn|vx|tp)[0-9a-f]+/);
      expect(sh('ip', 'netns', 'exec', h, 'nft', 'list', 'ruleset').trim()).toBe('');
    }
  });
});
