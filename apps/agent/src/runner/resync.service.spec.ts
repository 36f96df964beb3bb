import type { AgentContainerSpec } from '@berth/contracts';
import type { ApiClientService } from '../api-client/api-client.service';
import type { Driver } from '../drivers/driver';
import { ReportGate } from '../reporter/report-gate';
import type { ContainerRunnerService } from './container-runner.service';
import type { VouchStore } from '../state/vouch.store';
import { ResyncService } from './resync.service';

/** What the resync did, in order: machines removed, reconciles, and reports (which wait on the gate). */
function fixture(opts: {
  listed: string[];
  machines: string[];
  onHostNow?: string[];
  deleted?: string[];
  previousRun?: Date | null;
}) {
  const log: string[] = [];
  const goals: unknown[] = [];
  const gate = new ReportGate();
  const spec = (id: string) => ({ id, state: 'running', generation: 1 }) as AgentContainerSpec;
  const api = {
    listContainers: () => Promise.resolve(opts.listed.map(spec)),
    containerSpec: (id: string) =>
      Promise.resolve(
        (opts.onHostNow ?? []).includes(id)
          ? spec(id)
          : (opts.deleted ?? []).includes(id)
            ? { ...spec(id), state: 'deleted' }
            : null,
      ),
  };
  const driver = { list: () => Promise.resolve(opts.machines) };
  const runner = {
    tearDown: (id: string) => {
      log.push(`removed ${id}`);
      return Promise.resolve();
    },
    // The runner reports what it found: a report waits until the gate is open.
    reconcile: async (id: string, goal: unknown) => {
      goals.push(goal);
      await gate.open();
      log.push(`reported ${id}`);
      return null;
    },
  };
  const service = new ResyncService(
    driver as unknown as Driver,
    api as unknown as ApiClientService,
    runner as unknown as ContainerRunnerService,
    gate,
    { previousRun: opts.previousRun ?? null } as VouchStore,
  );
  return { service, log, gate, goals };
}

describe('ResyncService', () => {
  it("removes the machines of containers no longer this host's before it reports anything", async () => {
    const { service, log } = fixture({
      listed: ['ctr_kept'],
      machines: ['ctr_moved', 'ctr_kept', 'ctr_deleted'],
    });
    await service.resync();
    expect(log).toEqual(['removed ctr_moved', 'removed ctr_deleted', 'reported ctr_kept']);
  });

  it('holds reports sent meanwhile (a job, a machine exit) until those machines are removed', async () => {
    const { service, log, gate } = fixture({ listed: [], machines: ['ctr_moved'] });
    const resync = service.resync();
    const elsewhere = gate.open().then(() => log.push('a job reported'));
    await Promise.all([resync, elsewhere]);
    expect(log).toEqual(['removed ctr_moved', 'a job reported']);
  });

  it('keeps a machine a job made after the list was read: the API, asked again, has it on this host', async () => {
    const { service, log } = fixture({ listed: [], machines: ['ctr_new'], onHostNow: ['ctr_new'] });
    await service.resync();
    expect(log).toEqual([]);
  });

  it('removes the machine of a container deleted while the host was lost (the API still names its host)', async () => {
    const { service, log } = fixture({ listed: [], machines: ['ctr_gone'], deleted: ['ctr_gone'] });
    await service.resync();
    expect(log).toEqual(['removed ctr_gone']);
  });

  it('after a loss, retries until the API answers, and runs once however often it is asked', async () => {
    const { service, log } = fixture({ listed: [], machines: ['ctr_moved'] });
    let calls = 0;
    const list = (service as unknown as { api: { listContainers: () => Promise<AgentContainerSpec[]> } }).api;
    const real = list.listContainers;
    list.listContainers = () => (++calls === 1 ? Promise.reject(new Error('api away')) : real());
    await Promise.all([service.resyncAfterLoss(), service.resyncAfterLoss()]);
    expect(calls).toBe(2);
    expect(log).toEqual(['removed ctr_moved']);
  });
});

describe('ResyncService and what the host vouched for', () => {
  const lastBeat = new Date('2026-01-01T00:00:00.000Z');

  it("dates ends found at start-up by the previous agent's last heartbeat", async () => {
    const { service, goals } = fixture({ listed: ['ctr_a'], machines: ['ctr_a'], previousRun: lastBeat });
    await service.resync();
    expect(goals).toEqual([{ kind: 'observe', apiState: 'running', vouchedUntil: lastBeat }]);
  });

  it('leaves them to the driver after a loss (the agent watched all along)', async () => {
    const { service, goals } = fixture({ listed: ['ctr_a'], machines: ['ctr_a'], previousRun: lastBeat });
    await service.resyncAfterLoss();
    expect(goals).toEqual([{ kind: 'observe', apiState: 'running', vouchedUntil: null }]);
  });
});
