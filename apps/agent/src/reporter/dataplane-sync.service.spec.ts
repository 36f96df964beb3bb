import type { AgentDataplane } from '@berth/contracts';
import type { ApiClientService } from '../api-client/api-client.service';
import type { AgentConfig } from '../config.provider';
import type { Driver } from '../drivers/driver';
import type { LinuxNetworkDriver } from '../drivers/network/linux-network.driver';
import { tapName } from '../drivers/network/device-names';
import { DataplaneSyncService } from './dataplane-sync.service';

/** The API's data-plane reads, answered by hand: each GET waits until the test answers it. */
function harness() {
  const answers: ((dp: AgentDataplane) => void)[] = [];
  let reads = 0;
  const api = {
    dataplane: () =>
      new Promise<AgentDataplane>((resolve) => {
        reads++;
        answers.push(resolve);
      }),
  };
  const linked: string[][] = [];
  const prepared: string[][] = [];
  const net = {
    publicIface: null,
    convergeLinks: (networks: AgentDataplane['networks'], taps: Set<string>) => {
      linked.push([...networks.map((n) => n.id), ...[...taps].sort()]);
      return Promise.resolve();
    },
    convergeFirewall: () => Promise.resolve(),
    setFloatingAddresses: () => Promise.resolve(),
    prepareTaps: (make: { tap: string }[]) => {
      prepared.push(make.map((m) => m.tap));
      return Promise.resolve();
    },
  };
  const config = {
    driver: 'qemu',
    network: { syncIntervalMs: 60_000 },
  } as Partial<AgentConfig> as AgentConfig;
  const sync = new DataplaneSyncService(
    config,
    net as unknown as LinuxNetworkDriver,
    { status: () => Promise.resolve({ state: 'stopped' }) } as unknown as Driver,
    api as unknown as ApiClientService,
  );
  const answer = (n: number) => {
    const readAt = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    answers[n - 1]!({ hostId: 'hst_x', readAt, networks: [], ports: [], floatingIps: [] });
  };
  return { sync, answer, reads: () => reads, answers, linked, prepared };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('DataplaneSyncService.syncNow', () => {
  it('coalesces a burst: the pass in flight and one more, whatever the number of nudges', async () => {
    const { sync, answer, reads } = harness();
    const burst = Array.from({ length: 10 }, () => sync.syncNow());
    await turn();
    expect(reads()).toBe(1);
    answer(1);
    await turn();
    // The nine that came during the first pass may be newer than what it read: one pass after it.
    expect(reads()).toBe(2);
    answer(2);
    await Promise.all(burst);
    expect(reads()).toBe(2);
  });

  it('resolves a request only after a pass that read the data plane after it', async () => {
    const { sync, answer, reads } = harness();
    let firstDone = false;
    void sync.syncNow().then(() => (firstDone = true));
    await turn();
    answer(1);
    await turn();
    expect(firstDone).toBe(true);
    // A request while the second pass reads: that read may predate the change, so a third pass runs.
    let secondDone = false;
    void sync.syncNow().then(() => (secondDone = true));
    await turn();
    let thirdDone = false;
    void sync.syncNow().then(() => (thirdDone = true));
    await turn();
    expect(reads()).toBe(2);
    answer(2);
    await turn();
    expect(reads()).toBe(3);
    expect(thirdDone).toBe(false);
    answer(3);
    await turn();
    expect([secondDone, thirdDone, reads()]).toEqual([true, true, 3]);
  });
});

const net = (id: string) => ({
  id,
  vni: 7,
  cidr: '10.0.0.0/24',
  gateway: '10.0.0.1',
  mtu: 1450,
  peers: [],
  members: [],
});
const port = (containerId: string, networkId: string) => ({
  containerId,
  networkId,
  ip: '10.0.0.10',
  mac: '52:54:00:00:00:01',
  ingress: [],
  egress: [],
});

describe('DataplaneSyncService.applyNow', () => {
  it("converges to the host's held data plane with a claim's part merged in, not to the claim's part alone", async () => {
    const { sync, answers, linked, prepared, reads } = harness();
    const first = sync.syncNow();
    await turn();
    answers[0]!({
      hostId: 'hst_x',
      readAt: '2026-01-01T00:00:01.000Z',
      networks: [net('net_a')],
      ports: [port('ctr_1', 'net_a')],
      floatingIps: [],
    });
    await first;
    const claim = (readAt: string): AgentDataplane => ({
      hostId: 'hst_x',
      readAt,
      scope: { containerIds: ['ctr_2'] },
      networks: [net('net_b')],
      ports: [port('ctr_2', 'net_b')],
      floatingIps: [],
    });
    await sync.applyNow(claim('2026-01-01T00:00:02.000Z'), [{ tap: 'tap-ctr2', mtu: 1450 }]);
    // ctr_1's tap and network stay: the claim covered only ctr_2.
    expect(linked.at(-1)).toEqual([
      'net_a',
      'net_b',
      ...[tapName('ctr_1', 'net_a'), tapName('ctr_2', 'net_b')].sort(),
    ]);
    // A claim read before the last full reading is not applied: only its taps are made.
    expect(reads()).toBe(1);
    const passes = linked.length;
    const second = sync.syncNow();
    await turn();
    answers[1]!({
      hostId: 'hst_x',
      readAt: '2026-01-01T00:00:05.000Z',
      networks: [],
      ports: [],
      floatingIps: [],
    });
    await second;
    await sync.applyNow(claim('2026-01-01T00:00:03.000Z'), [{ tap: 'tap-late', mtu: 1450 }]);
    expect(linked.length).toBe(passes + 1);
    expect(prepared).toEqual([['tap-late']]);
  });
});

describe('DataplaneSyncService.applyNow before any full pass', () => {
  it("reads the host's whole data plane before it applies a claim's part (else other containers lose their taps)", async () => {
    const { sync, answers, linked, reads } = harness();
    const claimed = sync.applyNow({
      hostId: 'hst_x',
      readAt: '2026-01-01T00:00:02.000Z',
      scope: { containerIds: ['ctr_2'] },
      networks: [],
      ports: [],
      floatingIps: [],
    });
    await turn();
    expect(reads()).toBe(1);
    expect(linked).toEqual([]);
    answers[0]!({
      hostId: 'hst_x',
      readAt: '2026-01-01T00:00:01.000Z',
      networks: [net('net_a')],
      ports: [port('ctr_1', 'net_a')],
      floatingIps: [],
    });
    await claimed;
    expect(linked).toEqual([['net_a', tapName('ctr_1', 'net_a')]]);
  });
});
