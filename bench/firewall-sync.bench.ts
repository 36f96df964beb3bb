/**
 * What a data-plane sync pass costs on the firewall, beside applying the whole ruleset (`nft -f`, what
 * every pass would cost if it re-applied blindly) and the bare cost of starting nft in the namespace
 * (`nft --version`), for rulesets of several sizes: a pass over an untouched ruleset (the change
 * watch is silent: no nft runs), a pass after someone else's commit (one `nft -j list ruleset` and a
 * digest of berth's tables compared with the one taken after the last apply), and a repair after a
 * flush (read, apply, read).
 * Medians over BENCH_RUNS runs (default 20), with ratios against the apply in the same run: these
 * machines are noisy and shared, so only same-run comparisons mean anything. Runs in a network
 * namespace it makes and removes (needs root, nft and iproute2).
 *
 *   npm run -s build && node dist/bench/firewall-sync.bench.js      (BENCH_PORTS=10,100,500 by default)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentDataplane } from '../libs/contracts/src';
import {
  LinuxNetworkDriver,
  type FirewallPass,
} from '../apps/agent/src/drivers/network/linux-network.driver';
import { renderRuleset } from '../apps/agent/src/drivers/network/nft-ruleset';
import { median } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const SIZES = (process.env.BENCH_PORTS ?? '10,100,500').split(',').map(Number);

/** The bench measures the path it names, or stops. */
async function expectPass(pass: Promise<FirewallPass>, expected: FirewallPass): Promise<void> {
  const got = await pass;
  if (got !== expected) throw new Error(`expected a pass that is ${expected}, got ${got}`);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

/**
 * A host with `ports` NICs, ten to a network, each with a couple of security-group rules and a
 * floating IP in ten. `shared`: a network's ports have the same rules (default or shared groups, the
 * common case); `distinct`: every port has rules of its own (the worst case, a chain pair per port).
 */
function dataplane(ports: number, rules: 'shared' | 'distinct'): AgentDataplane {
  const networks = Array.from({ length: Math.ceil(ports / 10) }, (_, n) => ({
    id: `net_${n}`,
    vni: 4096 + n,
    cidr: `10.${100 + Math.floor(n / 250)}.${n % 250}.0/24`,
    gateway: `10.${100 + Math.floor(n / 250)}.${n % 250}.1`,
    mtu: 1450,
    peers: ['198.18.0.2', '198.18.0.3'],
    members: [],
  }));
  const nics = Array.from({ length: ports }, (_, i) => {
    const n = networks[Math.floor(i / 10)]!;
    return {
      containerId: `ctr_${i}`,
      networkId: n.id,
      ip: n.cidr.replace(/0\/24$/, String(10 + (i % 10))),
      mac: `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
      ingress: [
        {
          protocol: 'tcp' as const,
          portFrom: rules === 'shared' ? 80 : 1000 + i,
          portTo: rules === 'shared' ? 80 : 1000 + i,
          cidrs: ['0.0.0.0/0'],
        },
        { protocol: 'all' as const, portFrom: null, portTo: null, cidrs: [n.cidr] },
      ],
      egress: [{ protocol: 'all' as const, portFrom: null, portTo: null, cidrs: ['0.0.0.0/0'] }],
    };
  });
  const floatingIps = nics
    .filter((_, i) => i % 10 === 0)
    .map((p, i) => ({
      address: `198.19.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      privateIp: p.ip,
      containerId: p.containerId,
    }));
  return { hostId: 'hst_bench', readAt: new Date().toISOString(), networks, ports: nics, floatingIps };
}

async function main(): Promise<void> {
  const netns = `bfwbench-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', netns]);
  try {
    // The public side: one end of a veth pair (the masquerade and floating-IP rules name it).
    execFileSync('ip', ['-n', netns, 'link', 'add', 'pub0', 'type', 'veth', 'peer', 'name', 'pub1']);
    const net = new LinuxNetworkDriver({
      netns,
      localAddress: '198.18.0.1',
      underlayIface: null,
      publicIface: 'pub0',
      log: () => undefined,
    });
    await net.init();
    console.log(
      `firewall sync pass, medians of ${RUNS} runs (ms); ratios against the apply of the same size`,
    );
    console.log(
      [
        'ports',
        'rules   ',
        'lines',
        'nft --version',
        'apply (nft -f)',
        'pass, untouched',
        'pass, read + compare',
        'pass, repair',
        'untouched / apply',
        'read / apply',
      ].join(' | '),
    );
    // Gives the change watch time to report what was just committed: each timed pass then takes the
    // path it is named after.
    const settle = () => sleep(100);
    for (const [ports, rules] of SIZES.flatMap((n) => [[n, 'shared'] as const, [n, 'distinct'] as const])) {
      const script = renderRuleset(dataplane(ports, rules), 'pub0');
      const t = {
        spawn: [] as number[],
        apply: [] as number[],
        untouched: [] as number[],
        read: [] as number[],
        repair: [] as number[],
      };
      await net.convergeFirewall(script);
      for (let i = 0; i < RUNS; i++) {
        t.spawn.push(await timed(() => net.sh.run('nft', ['--version'])));
        t.apply.push(await timed(() => net.sh.nft(script)));
        // Flushed behind the agent's back: the next pass reads, sees the difference and re-applies.
        await net.sh.run('nft', ['flush', 'ruleset']);
        await settle();
        t.repair.push(await timed(() => expectPass(net.convergeFirewall(script), 'repaired')));
        // Someone else commits (a table of their own): the next pass reads and finds berth's intact.
        await net.sh.nft('table inet bench_other {}\ndelete table inet bench_other\n');
        await settle();
        t.read.push(await timed(() => expectPass(net.convergeFirewall(script), 'unchanged')));
        // Nothing committed since: the watch vouches for the silence, no nft runs.
        await settle();
        t.untouched.push(await timed(() => expectPass(net.convergeFirewall(script), 'unchanged')));
      }
      const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<
        keyof typeof t,
        number
      >;
      console.log(
        [
          String(ports).padStart(5),
          rules.padEnd(8),
          String(script.split('\n').length).padStart(5),
          m.spawn.toFixed(1).padStart(13),
          m.apply.toFixed(1).padStart(14),
          m.untouched.toFixed(2).padStart(15),
          m.read.toFixed(1).padStart(20),
          m.repair.toFixed(1).padStart(12),
          (m.untouched / m.apply).toFixed(3).padStart(17),
          (m.read / m.apply).toFixed(2).padStart(12),
        ].join(' | '),
      );
    }
    await net.close();
  } finally {
    execFileSync('ip', ['netns', 'del', netns]);
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
