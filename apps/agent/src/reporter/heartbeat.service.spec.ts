import type { HeartbeatRequest, HeartbeatResponse } from '@berth/contracts';
import type { ApiClientService } from '../api-client/api-client.service';
import type { AgentConfig } from '../config.provider';
import type { Driver } from '../drivers/driver';
import type { VolumeBackend } from '../volumes/volume-backend';
import type { VouchStore } from '../state/vouch.store';
import { HeartbeatService } from './heartbeat.service';

const INTERVAL = 1_000;

/** The service with an API that answers what the test queues, and a resync the test ends by hand. */
function harness() {
  const sent: HeartbeatRequest[] = [];
  const answers: Partial<HeartbeatResponse>[] = [];
  const api = {
    heartbeat: (req: HeartbeatRequest) => {
      sent.push(req);
      return Promise.resolve({
        hostId: 'h',
        state: 'ready',
        resync: false,
        lossEpoch: 0,
        ...answers.shift(),
      });
    },
  } as unknown as ApiClientService;
  const driver = { list: () => Promise.resolve([]) } as unknown as Driver;
  const volumes = { capacityGib: () => Promise.resolve(0) } as unknown as VolumeBackend;
  const vouched: Date[] = [];
  const vouch = {
    record: (at: Date) => {
      vouched.push(at);
      return Promise.resolve();
    },
  } as unknown as VouchStore;
  const service = new HeartbeatService(
    { heartbeatIntervalMs: INTERVAL } as AgentConfig,
    driver,
    api,
    volumes,
    vouch,
  );
  const resyncs: (() => void)[] = [];
  const onLost = jest.fn(() => new Promise<void>((resolve) => resyncs.push(resolve)));
  service.start(() => undefined, onLost);
  return { service, sent, answers, onLost, resyncs, vouched, api };
}

describe('HeartbeatService and losses', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resyncs once per loss, and says the loss it answered in the heartbeats after the resync ends', async () => {
    const { service, sent, answers, onLost, resyncs } = harness();
    answers.push({ resync: true, lossEpoch: 1 }, { resync: true, lossEpoch: 1 });
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(onLost).toHaveBeenCalledTimes(1);
    // Asked again while the resync runs: it is not started twice, and nothing is acknowledged yet.
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(sent.map((s) => s.resyncedEpoch)).toEqual([0, 0]);
    resyncs[0]!();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(sent.at(-1)?.resyncedEpoch).toBe(1);
    // A later loss: one more resync, acknowledged in turn.
    answers.push({ resync: true, lossEpoch: 2 });
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(onLost).toHaveBeenCalledTimes(2);
    resyncs[1]!();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(sent.at(-1)?.resyncedEpoch).toBe(2);
    await service.stop();
  });

  it('keeps asking after a heartbeat whose answer was lost: the next answer starts the resync', async () => {
    const { service, answers, onLost } = harness();
    const api = (service as unknown as { api: { heartbeat: (r: HeartbeatRequest) => Promise<unknown> } }).api;
    const answer = api.heartbeat.bind(api);
    let drop = true;
    api.heartbeat = async (r) => {
      const res = await answer(r);
      if (drop) {
        drop = false;
        throw new TypeError('fetch failed');
      }
      return res;
    };
    answers.push({ resync: true, lossEpoch: 1 }, { resync: true, lossEpoch: 1 });
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(onLost).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(onLost).toHaveBeenCalledTimes(1);
    await service.stop();
  });
});

describe('HeartbeatService and what the host vouched for', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('records each heartbeat the API took, at the time it said, and none it did not take', async () => {
    const { service, sent, vouched, api } = harness();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(vouched.map((d) => d.toISOString())).toEqual(sent.map((r) => r.at));
    const refused = jest.spyOn(api, 'heartbeat').mockRejectedValueOnce(new Error('API away'));
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(refused).toHaveBeenCalled();
    expect(vouched).toHaveLength(1);
    await service.stop();
  });
});
