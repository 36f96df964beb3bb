import type { AgentDataplane, AgentNetwork, AgentPort } from '@berth/contracts';
import { HeldDataplane } from './held-dataplane';

const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function network(id: string, members: string[]): AgentNetwork {
  return {
    id,
    vni: 100,
    cidr: '10.0.0.0/24',
    gateway: '10.0.0.1',
    mtu: 1450,
    peers: [],
    members: members.map((name, i) => ({ name, ip: `10.0.0.${10 + i}` })),
  };
}

function port(containerId: string, networkId: string, ingressPorts: number[] = []): AgentPort {
  return {
    containerId,
    networkId,
    ip: '10.0.0.10',
    mac: '52:54:00:00:00:01',
    ingress: ingressPorts.map((p) => ({
      protocol: 'tcp' as const,
      portFrom: p,
      portTo: p,
      cidrs: ['0.0.0.0/0'],
    })),
    egress: [],
  };
}

function full(at: number, networks: AgentNetwork[], ports: AgentPort[]): AgentDataplane {
  return { hostId: 'hst_x', readAt: t(at), networks, ports, floatingIps: [] };
}

function scoped(
  at: number,
  containerIds: string[],
  networks: AgentNetwork[],
  ports: AgentPort[],
): AgentDataplane {
  return { ...full(at, networks, ports), scope: { containerIds } };
}

const containersOf = (dp: AgentDataplane): string[] => [...new Set(dp.ports.map((p) => p.containerId))];

describe('HeldDataplane: readings merged part by part, the newest reading of each part winning', () => {
  it('holds a first full reading as it came', () => {
    const h = new HeldDataplane();
    const dp = full(1, [network('net_a', ['web'])], [port('ctr_1', 'net_a')]);
    expect(h.merge(dp)).toBe(true);
    expect(h.view()).toEqual(dp);
  });

  it("adds a claim's container and its network's new member without touching the host's other parts", () => {
    const h = new HeldDataplane();
    h.merge(
      full(
        1,
        [network('net_a', ['web']), network('net_b', ['db'])],
        [port('ctr_1', 'net_a'), port('ctr_2', 'net_b')],
      ),
    );
    expect(h.merge(scoped(2, ['ctr_3'], [network('net_a', ['web', 'api'])], [port('ctr_3', 'net_a')]))).toBe(
      true,
    );
    const v = h.view();
    expect(containersOf(v)).toEqual(['ctr_1', 'ctr_2', 'ctr_3']);
    expect(v.networks.map((n) => [n.id, n.members.map((m) => m.name)])).toEqual([
      ['net_a', ['web', 'api']],
      ['net_b', ['db']],
    ]);
    expect(v.readAt).toBe(t(2));
  });

  it("skips a claim's reading older than a full reading taken since (that one covers everything)", () => {
    const h = new HeldDataplane();
    // The full reading at 3 already has the rule revoked at 2.5; the claim read at 2 still had it.
    h.merge(full(3, [network('net_a', ['web'])], [port('ctr_1', 'net_a', [])]));
    expect(h.merge(scoped(2, ['ctr_1'], [network('net_a', ['web'])], [port('ctr_1', 'net_a', [22])]))).toBe(
      false,
    );
    expect(h.view().ports[0]!.ingress).toEqual([]);
  });

  it("keeps a claim's newer parts when an older full reading arrives after it, and takes the rest of that one", () => {
    const h = new HeldDataplane();
    h.merge(full(1, [network('net_a', ['web'])], [port('ctr_1', 'net_a', [80])]));
    h.merge(scoped(5, ['ctr_1'], [network('net_a', ['web', 'api'])], [port('ctr_1', 'net_a', [443])]));
    // Read at 3 (before the claim), answered after it: ctr_1 and net_a stay as of 5, ctr_2 comes in.
    expect(
      h.merge(
        full(
          3,
          [network('net_a', ['web']), network('net_b', ['db'])],
          [port('ctr_1', 'net_a', [80]), port('ctr_2', 'net_b')],
        ),
      ),
    ).toBe(true);
    const v = h.view();
    expect(v.ports.find((p) => p.containerId === 'ctr_1')!.ingress.map((r) => r.portFrom)).toEqual([443]);
    expect(v.networks.find((n) => n.id === 'net_a')!.members.map((m) => m.name)).toEqual(['web', 'api']);
    expect(containersOf(v)).toEqual(['ctr_1', 'ctr_2']);
  });

  it('drops what a newer full reading lacks, but not a part a still newer claim brought', () => {
    const h = new HeldDataplane();
    h.merge(
      full(
        1,
        [network('net_a', ['web']), network('net_b', ['db'])],
        [port('ctr_1', 'net_a'), port('ctr_2', 'net_b')],
      ),
    );
    h.merge(scoped(4, ['ctr_3'], [network('net_c', ['new'])], [port('ctr_3', 'net_c')]));
    h.merge(full(3, [network('net_a', ['web'])], [port('ctr_1', 'net_a')]));
    const v = h.view();
    expect(containersOf(v)).toEqual(['ctr_1', 'ctr_3']);
    expect(v.networks.map((n) => n.id)).toEqual(['net_a', 'net_c']);
  });

  it('removes a container a claim found gone, and an older reading that still had it does not bring it back', () => {
    const h = new HeldDataplane();
    h.merge(full(1, [network('net_a', ['web'])], [port('ctr_1', 'net_a')]));
    h.merge(scoped(5, ['ctr_1'], [], []));
    expect(containersOf(h.view())).toEqual([]);
    h.merge(full(3, [network('net_a', ['web'])], [port('ctr_1', 'net_a')]));
    expect(containersOf(h.view())).toEqual([]);
    // A full reading newer than the tombstone settles it for good.
    h.merge(full(6, [], []));
    expect(h.view()).toEqual({ hostId: 'hst_x', readAt: t(6), networks: [], ports: [], floatingIps: [] });
  });

  it('takes a newer full reading that holds nothing (the host converges to empty), not an older one', () => {
    const h = new HeldDataplane();
    h.merge(full(2, [network('net_a', ['web'])], [port('ctr_1', 'net_a')]));
    expect(h.merge(full(3, [], []))).toBe(true);
    expect(h.view().ports).toEqual([]);
    expect(h.merge(full(1, [network('net_a', ['web'])], [port('ctr_1', 'net_a')]))).toBe(false);
    expect(h.view().networks).toEqual([]);
  });

  it('keeps floating IPs with their container, in address order', () => {
    const h = new HeldDataplane();
    h.merge({
      ...full(1, [network('net_a', ['web', 'api'])], [port('ctr_1', 'net_a'), port('ctr_2', 'net_a')]),
      floatingIps: [{ address: '203.0.113.9', containerId: 'ctr_2', privateIp: '10.0.0.11' }],
    });
    h.merge({
      ...scoped(2, ['ctr_1'], [network('net_a', ['web', 'api'])], [port('ctr_1', 'net_a')]),
      floatingIps: [{ address: '203.0.113.5', containerId: 'ctr_1', privateIp: '10.0.0.10' }],
    });
    expect(h.view().floatingIps.map((f) => f.address)).toEqual(['203.0.113.5', '203.0.113.9']);
    h.merge(scoped(3, ['ctr_2'], [network('net_a', ['web'])], []));
    expect(h.view().floatingIps.map((f) => f.address)).toEqual(['203.0.113.5']);
  });

  it('lets a reading whose date it cannot read fill only parts nothing covered yet', () => {
    const h = new HeldDataplane();
    h.merge(scoped(1, ['ctr_1'], [network('net_a', ['web'])], [port('ctr_1', 'net_a', [80])]));
    const bad = { ...full(0, [network('net_a', [])], [port('ctr_1', 'net_a', [22])]), readAt: 'not a date' };
    h.merge(bad);
    expect(h.view().ports[0]!.ingress.map((r) => r.portFrom)).toEqual([80]);
  });
});
