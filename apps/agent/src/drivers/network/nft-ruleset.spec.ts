import type { AgentDataplane, AgentRule } from '@berth/contracts';
import { tapName } from './device-names';
import { renderGuardInstall, renderRuleset } from './nft-ruleset';

const net = {
  id: 'net_a',
  vni: 4096,
  cidr: '10.9.0.0/24',
  gateway: '10.9.0.1',
  mtu: 1450,
  peers: [],
  members: [],
};
const fromNetwork: AgentRule[] = [{ protocol: 'all', portFrom: null, portTo: null, cidrs: [net.cidr] }];
const anywhere: AgentRule[] = [{ protocol: 'all', portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }];

function port(n: number, ingress = fromNetwork) {
  return {
    containerId: `ctr_${n}`,
    networkId: net.id,
    ip: `10.9.0.${10 + n}`,
    mac: `52:54:00:00:00:${String(10 + n)}`,
    ingress,
    egress: anywhere,
  };
}

const dp = (ports: AgentDataplane['ports']): AgentDataplane => ({
  hostId: 'hst_x',
  readAt: '2026-01-01T00:00:00.000Z',
  networks: ports.length ? [net] : [],
  ports,
  floatingIps: [],
});

const chains = (script: string) => [...script.matchAll(/chain ((?:in|out)_[0-9a-f]+) \{/g)].map((m) => m[1]);

describe('renderRuleset', () => {
  it('keeps only the tap guard on an idle host: no inet table, no ready tap', () => {
    const script = renderRuleset(dp([]), null);
    expect(script).toContain('delete table inet berth');
    expect(script).not.toContain('table inet berth {\n');
    expect(script).toMatch(/set ready_taps \{\n {4}type ifname\n {2}\}/);
    expect(script).toContain('iifname "tp*" iifname != @ready_taps drop');
    expect(script).toContain('oifname "tp*" oifname != @ready_taps drop');
  });

  it('names every port’s tap as ready, with its MAC and address, in the same script as its rules', () => {
    const script = renderRuleset(dp([port(1), port(2)]), null);
    const [t1, t2] = [tapName('ctr_1', net.id), tapName('ctr_2', net.id)];
    expect(script).toContain(`elements = { "${t1}", "${t2}" }`);
    expect(script).toContain(`"${t1}" . 52:54:00:00:00:11`);
    expect(script).toContain(`"${t2}" . 10.9.0.12`);
    expect(script).toContain('"bn4096" . 10.9.0.11 : jump in_');
  });

  it('gives ports with the same rules one chain, and ports with their own rules their own', () => {
    const shared = renderRuleset(dp([port(1), port(2), port(3)]), null);
    expect(chains(shared)).toHaveLength(2); // one ingress chain, one egress chain
    const web: AgentRule[] = [{ protocol: 'tcp', portFrom: 80, portTo: 80, cidrs: ['0.0.0.0/0'] }];
    const mixed = renderRuleset(dp([port(1), port(2, web), port(3)]), null);
    expect(chains(mixed)).toHaveLength(3);
    expect(mixed).toContain('meta l4proto tcp th dport 80 return');
  });
});

describe('renderGuardInstall', () => {
  it('creates the bridge table only when it is not there (create fails the whole transaction otherwise)', () => {
    const script = renderGuardInstall();
    expect(script.startsWith('create table bridge berth\n')).toBe(true);
    expect(script).not.toContain('delete table');
    expect(script).toContain('iifname "tp*" iifname != @ready_taps drop');
  });
});
