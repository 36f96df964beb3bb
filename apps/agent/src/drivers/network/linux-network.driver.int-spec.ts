import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AgentDataplane } from '@berth/contracts';
import { startProcess, waitFor, type StartedProcess } from '@berth/testing';
import { bridgeName, tapName, vxlanName } from './device-names';
import { LinuxNetworkDriver } from './linux-network.driver';
import { renderRuleset } from './nft-ruleset';

jest.setTimeout(180_000);

const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' }).toString();
const ok = (...args: string[]) => {
  try {
    execFileSync(args[0]!, args.slice(1), { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
};
const nft = (netns: string, script: string) =>
  execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: script, stdio: 'pipe' });

type Rules = AgentDataplane['ports'][number]['ingress'];

/**
 * The data plane on real Linux networking, without VMs: two "hosts" (network namespaces joined by a
 * veth underlay), each with berth's bridge and VXLAN for one network, and a "guest" namespace per host
 * plugged into the bridge through a veth named like a tap. Packets are real; every address lives in
 * namespaces this test makes and removes, and every process it starts it stops by pid.
 */
describe('LinuxNetworkDriver (network namespaces, real packets)', () => {
  const tag = randomBytes(3).toString('hex');
  const ns = {
    h1: `bh1-${tag}`,
    h2: `bh2-${tag}`,
    g1: `bg1-${tag}`,
    g2: `bg2-${tag}`,
    g3: `bg3-${tag}`,
  };
  const vni = 4000 + (parseInt(tag, 16) % 1000);
  const net = { id: 'net_t', vni, cidr: '10.250.0.0/24', gateway: '10.250.0.1', mtu: 1450 };
  const one = {
    host: ns.h1,
    guest: ns.g1,
    containerId: 'ctr_one',
    ip: '10.250.0.10',
    mac: '52:54:00:aa:00:10',
  };
  const two = {
    host: ns.h2,
    guest: ns.g2,
    containerId: 'ctr_two',
    ip: '10.250.0.11',
    mac: '52:54:00:aa:00:11',
  };
  // Joins later, on the first host, through the network hook's order (prepareTap, firewall, connectTap).
  const three = {
    host: ns.h1,
    guest: ns.g3,
    containerId: 'ctr_three',
    ip: '10.250.0.12',
    mac: '52:54:00:aa:00:12',
  };
  const hostPort = '8181';
  const hostAddress = '198.18.7.1';
  const d1 = new LinuxNetworkDriver({
    netns: ns.h1,
    localAddress: hostAddress,
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
  const started: StartedProcess[] = [];
  let www: string;

  /** A guest is a namespace whose veth peer is on its host under the tap's name (down and on no bridge, as prepareTap leaves a tap). */
  function plugGuest(g: typeof one): void {
    const tap = tapName(g.containerId, net.id);
    sh('ip', 'netns', 'add', g.guest);
    sh('ip', 'link', 'add', tap, 'netns', g.host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g.guest);
    sh('ip', '-n', g.host, 'link', 'set', tap, 'mtu', '1450');
    sh('ip', '-n', g.guest, 'link', 'set', 'eth0', 'address', g.mac, 'mtu', '1450', 'up');
    sh('ip', '-n', g.guest, 'link', 'set', 'lo', 'up');
    sh('ip', '-n', g.guest, 'addr', 'add', `${g.ip}/24`, 'dev', 'eth0');
    sh('ip', '-n', g.guest, 'route', 'add', 'default', 'via', net.gateway);
    // The guest's own counters (its namespace, out of reach of the hosts' rulesets): echo requests
    // it sent, and echo requests it received from each other guest.
    nft(
      g.guest,
      [
        'table inet probe {',
        '  counter sent {}',
        ...[one, two, three].map((o) => `  counter from_${o.containerId} {}`),
        '  chain out {',
        '    type filter hook output priority 0; policy accept;',
        '    icmp type echo-request counter name sent',
        '  }',
        '  chain in {',
        '    type filter hook input priority 0; policy accept;',
        ...[one, two, three].map(
          (o) => `    ip saddr ${o.ip} icmp type echo-request counter name from_${o.containerId}`,
        ),
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  }

  function counter(guest: string, name: string): number {
    const out = JSON.parse(
      sh('ip', 'netns', 'exec', guest, 'nft', '-j', 'list', 'counter', 'inet', 'probe', name),
    ) as {
      nftables: { counter?: { packets: number } }[];
    };
    return out.nftables.find((e) => e.counter)!.counter!.packets;
  }

  /** Pings without end, five a second, until stopped (by pid). */
  function pinger(from: typeof one, to: string): StartedProcess {
    const p = startProcess(`netdrv-ping-${from.containerId}-${to}`, 'ip', [
      'netns',
      'exec',
      from.guest,
      'busybox',
      'ping',
      '-i',
      '0.2',
      to,
    ]);
    started.push(p);
    return p;
  }

  function dataplane(ingressOfTwo: Rules, members = [one, two]): AgentDataplane {
    return {
      hostId: 'hst_t',
      readAt: '2026-01-01T00:00:00.000Z',
      networks: [{ ...net, peers: [], members: [] }],
      ports: members.map((g) => ({
        containerId: g.containerId,
        networkId: net.id,
        ip: g.ip,
        mac: g.mac,
        ingress:
          g.containerId === two.containerId
            ? ingressOfTwo
            : [{ protocol: 'all', portFrom: null, portTo: null, cidrs: [net.cidr] }],
        egress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }],
      })),
      floatingIps: [],
    };
  }
  const allowNetwork: Rules = [{ protocol: 'all', portFrom: null, portTo: null, cidrs: [net.cidr] }];
  const onlyTcp80: Rules = [{ protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: ['0.0.0.0/0'] }];

  beforeAll(async () => {
    for (const n of [ns.h1, ns.h2]) sh('ip', 'netns', 'add', n);
    sh('ip', 'link', 'add', 'ul0', 'netns', ns.h1, 'type', 'veth', 'peer', 'name', 'ul0', 'netns', ns.h2);
    sh('ip', '-n', ns.h1, 'addr', 'add', `${hostAddress}/24`, 'dev', 'ul0');
    sh('ip', '-n', ns.h2, 'addr', 'add', '198.18.7.2/24', 'dev', 'ul0');
    for (const h of [ns.h1, ns.h2]) {
      sh('ip', '-n', h, 'link', 'set', 'ul0', 'up');
      sh('ip', '-n', h, 'link', 'set', 'lo', 'up');
    }
    await d1.init();
    await d2.init();
    for (const [d, peer] of [
      [d1, '198.18.7.2'],
      [d2, hostAddress],
    ] as const) {
      await d.ensureNetwork(net);
      await d.ensureNetwork(net); // converges: a second pass changes nothing
      await d.setPeers(vni, [peer]);
    }
    // Guests one and two are on their bridges and up before any ruleset names them: the worst case
    // (a tap made by an older agent, or by hand), which the tap guard must hold.
    for (const g of [one, two]) {
      plugGuest(g);
      sh('ip', '-n', g.host, 'link', 'set', tapName(g.containerId, net.id), 'master', bridgeName(vni), 'up');
    }
    // A service in the first host's namespace, on all its addresses: what guests must not reach.
    www = mkdtempSync(path.join(tmpdir(), 'berth-netdrv-'));
    writeFileSync(path.join(www, 'index.html'), 'host-service\n');
    started.push(
      startProcess('netdrv-host-httpd', 'ip', [
        'netns',
        'exec',
        ns.h1,
        'busybox',
        'httpd',
        '-f',
        '-p',
        hostPort,
        '-h',
        www,
      ]),
    );
  });

  afterAll(async () => {
    for (const d of [d1, d2]) await d.close();
    for (const p of started) await p.stop();
    for (const n of Object.values(ns)) ok('ip', 'netns', 'del', n);
    if (www) rmSync(www, { recursive: true, force: true });
  });

  // Two echo requests: one lost on a loaded machine does not fail a positive check.
  const ping = (from: string, to: string) =>
    ok('ip', 'netns', 'exec', from, 'busybox', 'ping', '-c', '2', '-W', '2', to);

  /** The host's service as seen from a namespace: its page, or null when it could not be fetched. */
  const hostService = (from: string, address: string): string | null => {
    try {
      // busybox's `wget -T` crashes (Debian's 1.35); `timeout` bounds it instead.
      return execFileSync(
        'ip',
        [
          'netns',
          'exec',
          from,
          'timeout',
          '3',
          'busybox',
          'wget',
          '-q',
          '-O',
          '-',
          `http://${address}:${hostPort}/`,
        ],
        { stdio: 'pipe' },
      )
        .toString()
        .trim();
    } catch {
      return null;
    }
  };

  it("passes nothing from or to a guest's tap until the ruleset with its verdicts is applied", async () => {
    // Both guests ping each other without pause while nothing but the guard is in place.
    const pingers = [pinger(one, two.ip), pinger(two, one.ip)];
    await waitFor('both guests to have sent pings', () =>
      Promise.resolve(counter(ns.g1, 'sent') >= 10 && counter(ns.g2, 'sent') >= 10),
    );
    expect(counter(ns.g2, `from_${one.containerId}`)).toBe(0);
    expect(counter(ns.g1, `from_${two.containerId}`)).toBe(0);
    expect(ping(ns.g1, net.gateway)).toBe(false); // not even the host's gateway hears it

    for (const d of [d1, d2])
      expect(await d.convergeFirewall(renderRuleset(dataplane(allowNetwork), null))).toBe('applied');
    // The same pings get through once the ruleset covers the taps: the counters above could move.
    await waitFor('pings to pass once the rules are in', () =>
      Promise.resolve(
        counter(ns.g2, `from_${one.containerId}`) > 0 && counter(ns.g1, `from_${two.containerId}`) > 0,
      ),
    );
    for (const p of pingers) await p.stop();
  });

  it('carries guest traffic between hosts over VXLAN, and each host answers as the gateway', () => {
    expect(ping(ns.g1, two.ip)).toBe(true);
    expect(ping(ns.g2, one.ip)).toBe(true);
    expect(ping(ns.g1, net.gateway)).toBe(true);
    expect(sh('ip', '-n', ns.h1, '-d', 'link', 'show', vxlanName(vni))).toMatch(
      new RegExp(`vxlan id ${vni}`),
    );
    expect(sh('ip', '-n', ns.h1, 'link', 'show', vxlanName(vni))).toMatch(/mtu 1450/);
  });

  it('enforces security-group ingress and anti-spoofing with the rendered ruleset', async () => {
    const allowIcmp: Rules = [{ protocol: 'icmp', portFrom: null, portTo: null, cidrs: [net.cidr] }];
    for (const d of [d1, d2]) await d.convergeFirewall(renderRuleset(dataplane(allowIcmp), null));
    expect(ping(ns.g1, two.ip)).toBe(true);

    for (const d of [d1, d2]) await d.convergeFirewall(renderRuleset(dataplane(onlyTcp80), null));
    expect(ping(ns.g1, two.ip)).toBe(false);
    expect(ping(ns.g2, one.ip)).toBe(true); // one's ingress still allows its network

    // A guest that takes another address is dropped at its own tap.
    sh('ip', '-n', ns.g2, 'addr', 'add', '10.250.0.99/24', 'dev', 'eth0');
    expect(
      ok('ip', 'netns', 'exec', ns.g2, 'busybox', 'ping', '-c', '1', '-W', '2', '-I', '10.250.0.99', one.ip),
    ).toBe(false);
    sh('ip', '-n', ns.g2, 'addr', 'del', '10.250.0.99/24', 'dev', 'eth0');
  });

  it("keeps guests off a service listening on their host, which the host's neighbours do reach", () => {
    // Positive control: the service is up and answers where it should (from the other host).
    expect(hostService(ns.h2, hostAddress)).toBe('host-service');
    // A guest reaches it neither on the host's address nor on its gateway's; it may ping its gateway.
    expect(hostService(ns.g1, hostAddress)).toBeNull();
    expect(hostService(ns.g1, net.gateway)).toBeNull();
    expect(ping(ns.g1, net.gateway)).toBe(true);
    // The guest's probe does work when the input protection is gone: the drift test below shows it.
  });

  it('joins a new tap to its bridge only once the kernel holds its rules (the network hook order)', async () => {
    plugGuest(three);
    const tap = tapName(three.containerId, net.id);
    // Packets towards the new guest from before its tap is prepared until after it is connected.
    const sentBefore = counter(ns.g1, 'sent');
    const toThree = pinger(one, three.ip);
    await d1.prepareTap(tap, net.mtu); // it exists (the test's veth): only its MTU is set
    await expect(d1.connectTap(tap, vni)).rejects.toThrow(/no rules in the host's firewall/);
    const link = JSON.parse(sh('ip', '-n', ns.h1, '-j', 'link', 'show', tap)) as {
      master?: string;
      operstate: string;
    }[];
    expect(link[0]?.master).toBeUndefined();
    expect(link[0]?.operstate).toBe('DOWN');
    // Sent while the tap waited for its rules, none arrived.
    await waitFor('one to ping three', () => Promise.resolve(counter(ns.g1, 'sent') >= sentBefore + 10));
    expect(counter(ns.g3, `from_${one.containerId}`)).toBe(0);

    await d1.convergeFirewall(renderRuleset(dataplane(onlyTcp80, [one, two, three]), null));
    await d1.connectTap(tap, vni);
    await waitFor('pings to reach three once it is connected', () =>
      Promise.resolve(counter(ns.g3, `from_${one.containerId}`) > 0),
    );
    expect(ping(ns.g3, one.ip)).toBe(true);
    await toThree.stop();
  });

  describe('converges from the kernel: a tampered ruleset is put back by the next pass', () => {
    const script = () => renderRuleset(dataplane(onlyTcp80, [one, two, three]), null);
    const isolated = () => {
      // two admits only TCP 80 (enforced on the second host); the first host's service is off limits.
      expect(ping(ns.g1, two.ip)).toBe(false);
      expect(hostService(ns.g1, hostAddress)).toBeNull();
    };
    const open = () => {
      // Positive control: the tampering really lifted the isolation these probes check.
      expect(ping(ns.g1, two.ip)).toBe(true);
      expect(hostService(ns.g1, hostAddress)).toBe('host-service');
    };
    const pass = async (): Promise<string[]> => [
      await d1.convergeFirewall(script()),
      await d2.convergeFirewall(script()),
    ];

    beforeAll(async () => {
      await pass();
    });

    it.each([
      ['the ruleset is flushed', 'flush ruleset'],
      ['a chain is deleted', 'delete chain inet berth forward\ndelete chain inet berth input'],
      [
        'an accept rule is added to berth’s chains',
        'insert rule inet berth forward accept\ninsert rule inet berth input accept',
      ],
    ])('when %s', async (_what, tamper) => {
      expect(await pass()).toEqual(['unchanged', 'unchanged']);
      isolated();
      for (const h of [ns.h1, ns.h2]) nft(h, `${tamper}\n`);
      open();
      expect(await pass()).toEqual(['repaired', 'repaired']);
      isolated();
      expect(await pass()).toEqual(['unchanged', 'unchanged']);
    });

    it("re-applies after another process's commit even when berth's tables list as before", async () => {
      // The case a listing cannot catch: a change that lands between the agent's apply and its listing
      // of the result is in that listing, so comparing listings would keep it for ever. Here the other
      // process's commits leave berth's tables as they were, so only the commit's author gives it away.
      expect(await pass()).toEqual(['unchanged', 'unchanged']);
      for (const h of [ns.h1, ns.h2]) nft(h, 'add table inet bystander\ndelete table inet bystander\n');
      expect(await pass()).toEqual(['repaired', 'repaired']);
      isolated();
      expect(await pass()).toEqual(['unchanged', 'unchanged']);
    });

    it("ignores another table's accept at any priority: berth's drop still wins", async () => {
      const rogue = [
        'table inet rogue {',
        '  chain rogue_forward {',
        '    type filter hook forward priority -1000; policy accept;',
        '    accept',
        '  }',
        '  chain rogue_input {',
        '    type filter hook input priority -1000; policy accept;',
        '    accept',
        '  }',
        '}',
        'table bridge rogue {',
        '  chain rogue_prerouting {',
        '    type filter hook prerouting priority -1000; policy accept;',
        '    accept',
        '  }',
        '}',
        '',
      ].join('\n');
      for (const h of [ns.h1, ns.h2]) nft(h, rogue);
      try {
        isolated();
        // Another process committed, so the agent re-applies its own tables (it cannot know what a
        // commit it did not make did to them); it leaves the other table alone, and its drop wins.
        expect(await pass()).toEqual(['repaired', 'repaired']);
        isolated();
        expect(await pass()).toEqual(['unchanged', 'unchanged']);
      } finally {
        for (const h of [ns.h1, ns.h2]) nft(h, 'delete table inet rogue\ndelete table bridge rogue\n');
      }
    });
  });

  it("converges links in one pass: makes a launch's tap down and off its bridge, removes taps no one wants", async () => {
    const wanted = new Set([one, three].map((g) => tapName(g.containerId, net.id)));
    const fresh = tapName('ctr_fresh', net.id);
    const linkOf = (tap: string) =>
      (
        JSON.parse(sh('ip', '-n', ns.h1, '-j', 'link', 'show')) as {
          ifname: string;
          master?: string;
          flags: string[];
          mtu: number;
        }[]
      ).find((l) => l.ifname === tap);
    await d1.convergeLinks([{ ...net, peers: ['198.18.7.2'] }], wanted, {
      make: [{ tap: fresh, mtu: net.mtu }],
      trustFlood: true,
    });
    expect(linkOf(fresh)).toMatchObject({ mtu: net.mtu });
    expect(linkOf(fresh)?.master).toBeUndefined();
    expect(linkOf(fresh)?.flags).not.toContain('UP');
    // The network and the guests already on it are untouched.
    expect(ping(ns.g1, net.gateway)).toBe(true);
    expect(sh('bridge', '-n', ns.h1, 'fdb', 'show', 'dev', vxlanName(vni))).toMatch(
      /00:00:00:00:00:00 dst 198\.18\.7\.2/,
    );
    // A later pass that neither wants nor makes it removes it.
    await d1.convergeLinks([{ ...net, peers: ['198.18.7.2'] }], wanted);
    expect(linkOf(fresh)).toBeUndefined();
    expect(ping(ns.g1, net.gateway)).toBe(true);
  });

  it('keeps only the tap guard when the network goes, so a leftover tap passes nothing', async () => {
    for (const [d, g] of [
      [d1, one],
      [d1, three],
      [d2, two],
    ] as const) {
      await d.removeTap(tapName(g.containerId, net.id));
      await d.removeTap(tapName(g.containerId, net.id)); // already gone: fine
    }
    for (const d of [d1, d2]) {
      await d.removeNetwork(vni);
      expect(
        await d.convergeFirewall(
          renderRuleset(
            { hostId: 'hst_t', readAt: '2026-01-01T00:00:00.000Z', networks: [], ports: [], floatingIps: [] },
            null,
          ),
        ),
      ).toBe('applied');
      expect(await d.presentNetworks()).toEqual([]);
      expect(await d.presentTaps()).toEqual([]);
    }
    for (const h of [ns.h1, ns.h2]) {
      expect(sh('ip', '-n', h, 'link', 'show')).not.toMatch(/\b(bn|vx|tp)[0-9a-f]+/);
      const rules = sh('ip', 'netns', 'exec', h, 'nft', 'list', 'ruleset');
      expect(rules).not.toMatch(/table inet berth|tp[0-9a-f]{11}|52:54:00/);
      expect(rules).toMatch(/table bridge berth/);
      expect(rules).toMatch(/iifname "tp\*" iifname != @ready_taps drop/);
      expect(rules).toMatch(/oifname "tp\*" oifname != @ready_taps drop/);
    }
  });
});
