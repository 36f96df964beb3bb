import { CONTAINER_STATES, newId, type ContainerId } from '@berth/domain';
import type { MachineStatus } from '../drivers/driver';
import { MAX_FALLBACK_CHARS, reportAfter, resyncGoal, type ReconcileGoal } from './reconcile-plan';

const now = new Date('2026-03-01T10:00:00.000Z');
const startedAt = new Date('2026-03-01T09:00:00.000Z');
const finishedAt = new Date('2026-03-01T09:30:00.000Z');

const STATUSES: Record<MachineStatus['state'], MachineStatus> = {
  absent: { state: 'absent' },
  created: { state: 'created' },
  running: { state: 'running', startedAt },
  stopped: { state: 'stopped', exitCode: 3, finishedAt },
};

describe('resyncGoal: what the start-up resync makes of each state the API holds', () => {
  it.each(CONTAINER_STATES.map((s) => [s]))('%s', (state) => {
    const expected: Record<string, ReconcileGoal | null> = {
      running: { kind: 'observe', apiState: 'running', vouchedUntil: null },
      lost: { kind: 'observe', apiState: 'lost', vouchedUntil: null },
      deleting: { kind: 'gone' },
      stopped: { kind: 'down', report: false },
      exited: { kind: 'down', report: false },
      failed: { kind: 'down', report: false },
    };
    // Every other state has work queued for it: its job owns it.
    expect(resyncGoal(state)).toEqual(expected[state] ?? null);
  });
});

describe('reportAfter: the one decision of what the API is told', () => {
  it.each([
    { kind: 'up', restart: false } as const,
    { kind: 'up', restart: true } as const,
    { kind: 'policy-restart' } as const,
  ])(
    'after bringing a machine up (%o): running, or exited when the workload already ended; anything else is retried',
    (goal) => {
      expect(reportAfter(goal, STATUSES.running, now, 'qemu')).toEqual({
        event: 'agent.running',
        at: startedAt,
      });
      expect(reportAfter(goal, STATUSES.stopped, now, 'qemu')).toEqual({
        event: 'agent.exited',
        at: finishedAt,
        exitCode: 3,
      });
      expect(() => reportAfter(goal, STATUSES.absent, now, 'qemu')).toThrow(/absent right after start/);
      expect(() => reportAfter(goal, STATUSES.created, now, 'qemu')).toThrow(/created right after start/);
    },
  );

  it('a running report after a start says how the driver started the machine', () => {
    const up = { kind: 'up', restart: false } as const;
    const template = { path: 'template', template: 'k1' } as const;
    expect(reportAfter(up, STATUSES.running, now, 'qemu', template)).toEqual({
      event: 'agent.running',
      at: startedAt,
      start: template,
    });
    expect(reportAfter({ kind: 'policy-restart' }, STATUSES.running, now, 'qemu', { path: 'cold' })).toEqual({
      event: 'agent.running',
      at: startedAt,
      start: { path: 'cold' },
    });
    // Already running (the driver started nothing): no start path.
    expect(reportAfter(up, STATUSES.running, now, 'qemu', null)).toEqual({
      event: 'agent.running',
      at: startedAt,
    });
    // An exit right after the start is reported as such, with no start path.
    expect(reportAfter(up, STATUSES.stopped, now, 'qemu', template)).not.toHaveProperty('start');
  });

  it('a running report after a restart says when the old machine stopped (the run before is billed to there)', () => {
    const restart = { kind: 'up', restart: true } as const;
    const stoppedAt = new Date(startedAt.getTime() - 2000);
    expect(reportAfter(restart, STATUSES.running, now, 'qemu', { path: 'cold' }, stoppedAt)).toEqual({
      event: 'agent.running',
      at: startedAt,
      start: { path: 'cold' },
      stoppedAt,
    });
  });

  it("dates an end nobody saw (found at start-up) no later than the host's last heartbeat before", () => {
    const vouchedUntil = new Date(now.getTime() - 60_000);
    const observe = { kind: 'observe', apiState: 'running', vouchedUntil } as const;
    const foundDead = { state: 'stopped', exitCode: null, finishedAt: now, endUnknown: true } as const;
    expect(reportAfter(observe, foundDead, now, 'qemu')).toEqual({
      event: 'agent.exited',
      at: vouchedUntil,
      exitCode: null,
      unseen: true,
    });
    // An end the driver dated stands.
    expect(reportAfter(observe, STATUSES.stopped, now, 'qemu')).toEqual({
      event: 'agent.exited',
      at: finishedAt,
      exitCode: 3,
    });
    // A machine gone altogether: failed as of the last heartbeat, not as of now.
    expect(reportAfter(observe, STATUSES.absent, now, 'qemu')).toMatchObject({
      event: 'agent.failed',
      at: vouchedUntil,
      unseen: true,
    });
    // Nothing vouched for (a first start, or after a loss): as found.
    expect(reportAfter({ ...observe, vouchedUntil: null }, foundDead, now, 'qemu')).toMatchObject({
      at: now,
    });
  });

  it("a fallback's reason is cut to what the API takes", () => {
    const long = { path: 'cold', template: 'k1', fallback: 'x'.repeat(5000) } as const;
    const r = reportAfter({ kind: 'up', restart: false }, STATUSES.running, now, 'qemu', long);
    const fallback = r?.event === 'agent.running' ? r.start?.fallback : undefined;
    expect(fallback).toHaveLength(MAX_FALLBACK_CHARS);
    expect(fallback?.endsWith('...')).toBe(true);
    const short = { path: 'cold', template: 'k1', fallback: 'restore timed out' } as const;
    expect(reportAfter({ kind: 'up', restart: false }, STATUSES.running, now, 'qemu', short)).toMatchObject({
      start: short,
    });
  });

  it('after a stop job: stopped, dated by the machine when it knows, else now', () => {
    const goal = { kind: 'down', report: true } as const;
    expect(reportAfter(goal, STATUSES.stopped, now, 'qemu')).toEqual({
      event: 'agent.stopped',
      at: finishedAt,
      exitCode: 3,
    });
    expect(reportAfter(goal, STATUSES.absent, now, 'qemu')).toEqual({
      event: 'agent.stopped',
      at: now,
      exitCode: null,
    });
  });

  it('says nothing when the resync stops a machine the API already holds stopped', () => {
    for (const status of Object.values(STATUSES)) {
      expect(reportAfter({ kind: 'down', report: false }, status, now, 'qemu')).toBeNull();
    }
  });

  it('reports a teardown as deleted, now', () => {
    for (const status of Object.values(STATUSES)) {
      expect(reportAfter({ kind: 'gone' }, status, now, 'qemu')).toEqual({ event: 'agent.deleted', at: now });
    }
  });

  it("reports a workload's own exit as the driver saw it", () => {
    const exit = { id: newId('ctr') as ContainerId, exitCode: 137, at: finishedAt };
    expect(reportAfter({ kind: 'exited', exit }, STATUSES.stopped, now, 'qemu')).toEqual({
      event: 'agent.exited',
      at: finishedAt,
      exitCode: 137,
    });
  });

  it('tells the API at start-up what became of a container it believes runs', () => {
    const running = { kind: 'observe', apiState: 'running' } as const;
    const lost = { kind: 'observe', apiState: 'lost' } as const;
    expect(reportAfter(running, STATUSES.running, now, 'qemu')).toBeNull();
    expect(reportAfter(lost, STATUSES.running, now, 'qemu')).toEqual({
      event: 'agent.running',
      at: startedAt,
    });
    for (const goal of [running, lost]) {
      expect(reportAfter(goal, STATUSES.stopped, now, 'qemu')).toEqual({
        event: 'agent.exited',
        at: finishedAt,
        exitCode: 3,
      });
      for (const missing of [STATUSES.absent, STATUSES.created]) {
        expect(reportAfter(goal, missing, now, 'hollow')).toEqual({
          event: 'agent.failed',
          at: now,
          error: {
            code: 'host/machine_missing',
            message: 'the machine was not on the host when its agent started (driver hollow)',
          },
        });
      }
    }
  });
});
