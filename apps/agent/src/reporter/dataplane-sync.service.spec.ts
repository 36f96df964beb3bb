import type { AgentDataplane } from '@berth/contracts';
import type { ApiClientService } from '../api-client/api-client.service';
import type { AgentConfig } from '../config.provider';
import type { Driver } from '../drivers/driver';
import type { LinuxNetworkDriver } from '../drivers/network/linux-network.driver';
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
  const net = {
    publicIface: null,
    convergeLinks: () => Promise.resolve(),
    convergeFirewall: () => Promise.resolve(),
    setFloatingAddresses: () => Promise.resolve(),
    prepareTaps: () => Promise.resolve(),
  };
  const config = {
    driver: 'qemu',
    network: { syncIntervalMs: 60_000 },
  } as Partial<AgentConfig> as AgentConfig;
  const sync = new DataplaneSyncService(
    config,
    net as unknown as LinuxNetworkDriver,
    {} as Driver,
    api as unknown as ApiClientService,
  );
  const answer = (n: number) => {
    const readAt = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    answers[n - 1]!({ hostId: 'hst_x', readAt, networks: [], ports: [], floatingIps: [] });
  };
  return { sync, answer, reads: () => reads };
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
