import {
  AGENT_FAILED,
  operationGoalReached,
  planContainerCreate,
  boundedHostTime,
  planContainerLifecycle,
  type LifecycleContainer,
  type LifecycleInput,
  type LifecyclePlan,
  type OperationOutcome,
} from './container-lifecycle';
import {
  CONTAINER_EVENTS,
  CONTAINER_STATES,
  type ContainerEvent,
  type ContainerState,
} from './container-state';
import { DomainError } from './errors';
import { OPERATION_KINDS, type OperationKind } from './operation-state';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:01:00.000Z');
const T2 = new Date('2026-01-01T00:02:00.000Z');
const NOW = new Date('2026-01-01T00:05:00.000Z');

function container(over: Partial<LifecycleContainer> = {}): LifecycleContainer {
  return {
    name: 'web',
    state: 'running',
    size: 's1',
    generation: 3,
    createdAt: T0,
    lastReportAt: null,
    usageOpenSince: T0,
    usageLastEndedAt: null,
    ...over,
  };
}

function input(event: ContainerEvent, over: Partial<LifecycleInput> = {}): LifecycleInput {
  const fromHost = event.startsWith('agent.') || event === 'host.lost';
  return { event, at: fromHost ? T1 : NOW, clock: fromHost ? 'host' : 'api', now: NOW, ...over };
}

// Each plan in one line: what a reviewer checks against today's paths (reports, actions, reaper).
//   to        the new state, '=' when nothing changes, 'refused' when the action throws
//   usage     none | open | close
//   release   release (networking and volumes) | -
//   ops       scope:outcomes for create, start, stop, restart, delete
//             (r running, s succeed, f fail, x supersede, . leave); none when untouched
//   new op    the operation a tenant's action opens, and whether it is queued or done at once
//   checks    G good standing, C quota and host capacity, P placement on another host, - none
const CONTAINER_KINDS = [
  'container.create',
  'container.start',
  'container.stop',
  'container.restart',
  'container.delete',
] as const;
const LETTER: Readonly<Record<OperationOutcome['kind'], string>> = {
  leave: '.',
  running: 'r',
  succeed: 's',
  supersede: 'x',
  fail: 'f',
};

function summary(p: LifecyclePlan): string {
  const release =
    p.release.networking && p.release.volumes
      ? 'release'
      : p.release.networking
        ? 'net'
        : p.release.volumes
          ? 'vol'
          : '-';
  const ops =
    p.operations.scope === 'none'
      ? 'none'
      : `${p.operations.scope}:${CONTAINER_KINDS.map((k) => LETTER[p.operations.outcome[k].kind]).join('')}`;
  const op = p.newOperation
    ? `${p.newOperation.kind.slice('container.'.length)}/${p.newOperation.then}`
    : '-';
  const checks =
    `${p.checks.goodStanding ? 'G' : ''}${p.checks.capacity ? 'C' : ''}${p.checks.placement ? 'P' : ''}` ||
    '-';
  return [p.applied ? p.to : '=', p.usage.kind, release, ops, op, checks].join(' ');
}

type Column = ContainerEvent | 'delete!';
const COLUMNS: readonly Column[] = [...CONTAINER_EVENTS, 'delete!'];

/** A cell's plan, or 'refused'. 'delete!' is delete with force=true. */
function cell(state: ContainerState, column: Column): string {
  const event = column === 'delete!' ? 'delete' : column;
  try {
    return summary(
      planContainerLifecycle(container({ state }), input(event, { force: column === 'delete!' })),
    );
  } catch (err) {
    if (err instanceof DomainError && err.code === 'container/invalid_state') return 'refused';
    throw err;
  }
}

// Every state x event cell, reviewed against ContainerReportsService.apply, ContainersService.act and
// HostReaperService as they were when the planner was written. 'delete!' is delete with force=true.
// prettier-ignore
const TABLE: readonly (readonly [ContainerState, Column, string])[] = [
    ['pending', 'start', 'refused'],
    ['pending', 'stop', 'stopping none - open:xxxxx stop/enqueue -'],
    ['pending', 'restart', 'refused'],
    ['pending', 'delete', 'refused'],
    ['pending', 'agent.creating', 'creating close - named:rrrrr - -'],
    ['pending', 'agent.running', 'running open - named:ssrsr - -'],
    ['pending', 'agent.stopped', '= none - named:rrrrr - -'],
    ['pending', 'agent.exited', 'exited close - named:ssssr - -'],
    ['pending', 'agent.failed', 'failed close - named:fffff - -'],
    ['pending', 'agent.deleted', '= none - named:rrrrr - -'],
    ['pending', 'host.lost', 'lost close - open:fffff - -'],
    ['pending', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['creating', 'start', 'refused'],
    ['creating', 'stop', 'stopping none - open:xxxxx stop/enqueue -'],
    ['creating', 'restart', 'refused'],
    ['creating', 'delete', 'refused'],
    ['creating', 'agent.creating', '= none - named:rrrrr - -'],
    ['creating', 'agent.running', 'running open - named:ssrsr - -'],
    ['creating', 'agent.stopped', '= none - named:rrrrr - -'],
    ['creating', 'agent.exited', 'exited close - named:ssssr - -'],
    ['creating', 'agent.failed', 'failed close - named:fffff - -'],
    ['creating', 'agent.deleted', '= none - named:rrrrr - -'],
    ['creating', 'host.lost', 'lost close - open:fffff - -'],
    ['creating', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['starting', 'start', 'refused'],
    ['starting', 'stop', 'stopping none - open:xxxxx stop/enqueue -'],
    ['starting', 'restart', 'refused'],
    ['starting', 'delete', 'refused'],
    ['starting', 'agent.creating', '= none - named:rrrrr - -'],
    ['starting', 'agent.running', 'running open - named:ssrsr - -'],
    ['starting', 'agent.stopped', '= none - named:rrrrr - -'],
    ['starting', 'agent.exited', 'exited close - named:ssssr - -'],
    ['starting', 'agent.failed', 'failed close - named:fffff - -'],
    ['starting', 'agent.deleted', '= none - named:rrrrr - -'],
    ['starting', 'host.lost', 'lost close - open:fffff - -'],
    ['starting', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['running', 'start', 'refused'],
    ['running', 'stop', 'stopping none - open:xxxxx stop/enqueue -'],
    ['running', 'restart', 'restarting none - open:xxxxx restart/enqueue -'],
    ['running', 'delete', 'refused'],
    ['running', 'agent.creating', '= none - named:ssrsr - -'],
    ['running', 'agent.running', '= none - named:ssrsr - -'],
    ['running', 'agent.stopped', 'stopped close - named:rrsrr - -'],
    ['running', 'agent.exited', 'exited close - named:ssssr - -'],
    ['running', 'agent.failed', 'failed close - named:fffff - -'],
    ['running', 'agent.deleted', '= none - named:ssrsr - -'],
    ['running', 'host.lost', 'lost close - open:fffff - -'],
    ['running', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['stopping', 'start', 'refused'],
    ['stopping', 'stop', 'refused'],
    ['stopping', 'restart', 'refused'],
    ['stopping', 'delete', 'refused'],
    ['stopping', 'agent.creating', '= none - named:rrrrr - -'],
    ['stopping', 'agent.running', '= none - named:rrrrr - -'],
    ['stopping', 'agent.stopped', 'stopped close - named:rrsrr - -'],
    ['stopping', 'agent.exited', 'stopped close - named:rrsrr - -'],
    ['stopping', 'agent.failed', 'failed close - named:fffff - -'],
    ['stopping', 'agent.deleted', '= none - named:rrrrr - -'],
    ['stopping', 'host.lost', 'lost close - open:fffff - -'],
    ['stopping', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['restarting', 'start', 'refused'],
    ['restarting', 'stop', 'stopping none - open:xxxxx stop/enqueue -'],
    ['restarting', 'restart', 'refused'],
    ['restarting', 'delete', 'refused'],
    ['restarting', 'agent.creating', '= none - named:rrrrr - -'],
    ['restarting', 'agent.running', 'running open - named:ssrsr - -'],
    ['restarting', 'agent.stopped', '= none - named:rrrrr - -'],
    ['restarting', 'agent.exited', 'exited close - named:ssssr - -'],
    ['restarting', 'agent.failed', 'failed close - named:fffff - -'],
    ['restarting', 'agent.deleted', '= none - named:rrrrr - -'],
    ['restarting', 'host.lost', 'lost close - open:fffff - -'],
    ['restarting', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['stopped', 'start', 'starting none - open:xxxxx start/enqueue GC'],
    ['stopped', 'stop', 'refused'],
    ['stopped', 'restart', 'restarting none - open:xxxxx restart/enqueue C'],
    ['stopped', 'delete', 'deleting none - open:xxxxx delete/enqueue -'],
    ['stopped', 'agent.creating', '= none - named:rrsrr - -'],
    ['stopped', 'agent.running', '= none - named:rrsrr - -'],
    ['stopped', 'agent.stopped', '= none - named:rrsrr - -'],
    ['stopped', 'agent.exited', '= none - named:rrsrr - -'],
    ['stopped', 'agent.failed', '= none - named:fffff - -'],
    ['stopped', 'agent.deleted', '= none - named:rrsrr - -'],
    ['stopped', 'host.lost', '= none - none - -'],
    ['stopped', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['exited', 'start', 'starting none - open:xxxxx start/enqueue GC'],
    ['exited', 'stop', 'refused'],
    ['exited', 'restart', 'restarting none - open:xxxxx restart/enqueue C'],
    ['exited', 'delete', 'deleting none - open:xxxxx delete/enqueue -'],
    ['exited', 'agent.creating', '= none - named:ssssr - -'],
    ['exited', 'agent.running', 'running open - named:ssrsr - -'],
    ['exited', 'agent.stopped', '= none - named:ssssr - -'],
    ['exited', 'agent.exited', '= none - named:ssssr - -'],
    ['exited', 'agent.failed', '= none - named:fffff - -'],
    ['exited', 'agent.deleted', '= none - named:ssssr - -'],
    ['exited', 'host.lost', '= none - none - -'],
    ['exited', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['failed', 'start', 'starting none - open:xxxxx start/enqueue GC'],
    ['failed', 'stop', 'refused'],
    ['failed', 'restart', 'restarting none - open:xxxxx restart/enqueue C'],
    ['failed', 'delete', 'deleting none - open:xxxxx delete/enqueue -'],
    ['failed', 'agent.creating', '= none - named:rrrrr - -'],
    ['failed', 'agent.running', '= none - named:rrrrr - -'],
    ['failed', 'agent.stopped', '= none - named:rrrrr - -'],
    ['failed', 'agent.exited', '= none - named:rrrrr - -'],
    ['failed', 'agent.failed', '= none - named:fffff - -'],
    ['failed', 'agent.deleted', '= none - named:rrrrr - -'],
    ['failed', 'host.lost', '= none - none - -'],
    ['failed', 'delete!', 'deleting none - open:xxxxx delete/enqueue -'],
    ['lost', 'start', 'refused'],
    ['lost', 'stop', 'refused'],
    ['lost', 'restart', 'refused'],
    ['lost', 'delete', 'deleted close release open:xxxxx delete/succeed -'],
    ['lost', 'agent.creating', '= none - named:rrrrr - -'],
    ['lost', 'agent.running', 'running open - named:ssrsr - -'],
    ['lost', 'agent.stopped', 'stopped close - named:rrsrr - -'],
    ['lost', 'agent.exited', 'exited close - named:ssssr - -'],
    ['lost', 'agent.failed', 'failed close - named:fffff - -'],
    ['lost', 'agent.deleted', 'deleted close release named:rrrrs - -'],
    ['lost', 'host.lost', '= none - none - -'],
    ['lost', 'delete!', 'deleted close release open:xxxxx delete/succeed -'],
    ['deleting', 'start', 'refused'],
    ['deleting', 'stop', 'refused'],
    ['deleting', 'restart', 'refused'],
    ['deleting', 'delete', 'refused'],
    ['deleting', 'agent.creating', '= none - named:rrrrr - -'],
    ['deleting', 'agent.running', '= none - named:rrrrr - -'],
    ['deleting', 'agent.stopped', '= none - named:rrrrr - -'],
    ['deleting', 'agent.exited', '= none - named:rrrrr - -'],
    ['deleting', 'agent.failed', '= none - named:fffff - -'],
    ['deleting', 'agent.deleted', 'deleted close release named:rrrrs - -'],
    ['deleting', 'host.lost', 'deleted close release open:ffffs - -'],
    ['deleting', 'delete!', 'refused'],
    ['deleted', 'start', 'refused'],
    ['deleted', 'stop', 'refused'],
    ['deleted', 'restart', 'refused'],
    ['deleted', 'delete', 'refused'],
    ['deleted', 'agent.creating', '= none - named:rrrrs - -'],
    ['deleted', 'agent.running', '= none - named:rrrrs - -'],
    ['deleted', 'agent.stopped', '= none - named:rrrrs - -'],
    ['deleted', 'agent.exited', '= none - named:rrrrs - -'],
    ['deleted', 'agent.failed', '= none - named:fffff - -'],
    ['deleted', 'agent.deleted', '= none - named:rrrrs - -'],
    ['deleted', 'host.lost', '= none - none - -'],
    ['deleted', 'delete!', 'refused'],
];

describe('planContainerLifecycle: every state x event cell', () => {
  it('covers each cell once', () => {
    const keys = TABLE.map(([s, e]) => `${s} ${e}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(CONTAINER_STATES.flatMap((s) => COLUMNS.map((e) => `${s} ${e}`)));
  });

  it.each(TABLE)('%s + %s: %s', (state, column, expected) => {
    expect(cell(state, column)).toBe(expected);
  });
});

describe("planContainerLifecycle: a host's clock, bounded by what is possible", () => {
  const MADE = T0;
  const EPOCH = new Date(0);
  const TOMORROW = new Date(NOW.getTime() + 24 * 3600_000);

  it('a report dated before the container was made is dated at its making (no month billed from 1970)', () => {
    const p = planContainerLifecycle(
      container({ state: 'creating', createdAt: MADE, usageOpenSince: null }),
      input('agent.running', { at: EPOCH }),
    );
    expect(p.patch).toMatchObject({ state: 'running', startedAt: MADE, lastReportAt: MADE });
    expect(p.usage).toMatchObject({ kind: 'open', at: MADE });
  });

  it('a report dated after the API received it is dated at its receipt, so later reports are not stale', () => {
    const p = planContainerLifecycle(
      container({ state: 'creating', usageOpenSince: null }),
      input('agent.running', { at: TOMORROW }),
    );
    expect(p.patch).toMatchObject({ startedAt: NOW, lastReportAt: NOW });
    expect(p.usage).toMatchObject({ kind: 'open', at: NOW });
    // The next honest report, a moment later by both clocks, applies.
    const later = new Date(NOW.getTime() + 1000);
    const next = planContainerLifecycle(
      container({ state: 'running', lastReportAt: NOW, usageOpenSince: NOW }),
      input('agent.exited', { at: later, now: later, exitCode: 0 }),
    );
    expect(next.applied).toBe(true);
    expect(next.usage).toMatchObject({ kind: 'close', at: later });
  });

  it("the reaper's heartbeat time is bounded the same way", () => {
    const p = planContainerLifecycle(container({ state: 'running' }), input('host.lost', { at: TOMORROW }));
    expect(p.patch).toMatchObject({ state: 'lost', stateChangedAt: NOW });
    expect(p.usage).toMatchObject({ kind: 'close', at: NOW });
  });

  it("leaves a possible host time as it is, and never bounds the API's own clock", () => {
    expect(boundedHostTime({ createdAt: MADE }, input('agent.running', { at: T1 }))).toEqual(T1);
    const stop = planContainerLifecycle(container({ createdAt: NOW }), input('stop', { at: T1, now: T1 }));
    expect(stop.patch).toMatchObject({ stateChangedAt: T1 });
  });
});

describe('planContainerLifecycle: an agent report', () => {
  it('running: opens usage on the size meter at the host time and clears the last run', () => {
    const p = planContainerLifecycle(
      container({ state: 'creating', usageOpenSince: null }),
      input('agent.running'),
    );
    expect(p.patch).toEqual({
      state: 'running',
      stateChangedAt: T1,
      lastReportAt: T1,
      updatedAt: NOW,
      startedAt: T1,
      finishedAt: null,
      exitCode: null,
      stateReason: null,
    });
    expect(p.usage).toEqual({
      kind: 'open',
      meter: 'container.s1',
      quantity: 1,
      at: T1,
      closeOpenAt: null,
      minSeconds: 10,
      clock: 'host',
    });
  });

  it('exited and stopped: record the exit code and finish time', () => {
    const exited = planContainerLifecycle(container(), input('agent.exited', { exitCode: 3 }));
    expect(exited.patch).toEqual({
      state: 'exited',
      stateChangedAt: T1,
      lastReportAt: T1,
      updatedAt: NOW,
      finishedAt: T1,
      exitCode: 3,
    });
    const stopped = planContainerLifecycle(container({ state: 'stopping' }), input('agent.exited'));
    expect(stopped.patch).toMatchObject({ state: 'stopped', finishedAt: T1, exitCode: null });
    expect(stopped.usage).toEqual({ kind: 'close', at: T1, clock: 'host' });
  });

  it("failed: the host's message is the reason and fails the named operation", () => {
    const reason = { code: 'image/pull_failed', message: 'no such image' };
    const p = planContainerLifecycle(container({ state: 'creating' }), input('agent.failed', { reason }));
    expect(p.patch).toEqual({
      state: 'failed',
      stateChangedAt: T1,
      lastReportAt: T1,
      updatedAt: NOW,
      finishedAt: T1,
      stateReason: 'no such image',
    });
    expect(p.operations.outcome['container.create']).toEqual({ kind: 'fail', error: reason });
  });

  it('failed without a reason: a generic one for the container and its operation', () => {
    const p = planContainerLifecycle(container(), input('agent.failed'));
    expect(p.patch?.stateReason).toBe('failed on the host');
    expect(p.operations.outcome['container.start']).toEqual({ kind: 'fail', error: AGENT_FAILED });
    expect(AGENT_FAILED).toEqual({ code: 'agent/failed', message: 'the host could not do it' });
  });

  it('creating and deleted: only the state and its dates change', () => {
    const creating = planContainerLifecycle(container({ state: 'pending' }), input('agent.creating'));
    expect(creating.patch).toEqual({
      state: 'creating',
      stateChangedAt: T1,
      lastReportAt: T1,
      updatedAt: NOW,
    });
    const deleted = planContainerLifecycle(container({ state: 'deleting' }), input('agent.deleted'));
    expect(deleted.patch).toEqual({ state: 'deleted', stateChangedAt: T1, lastReportAt: T1, updatedAt: NOW });
    expect(deleted.release).toEqual({ networking: true, volumes: true });
    expect(deleted.usage).toEqual({ kind: 'close', at: T1, clock: 'host' });
  });

  it('older than the last report applied: changes nothing, but still judges the named operation', () => {
    const p = planContainerLifecycle(
      container({ state: 'stopping', lastReportAt: T2 }),
      input('agent.stopped', { at: T1 }),
    );
    expect(p).toMatchObject({ applied: false, to: 'stopping', patch: null, usage: { kind: 'none' } });
    expect(p.operations.outcome['container.stop']).toEqual({ kind: 'running' });
  });

  it('as old as the last report applied: applies (a host reports twice in one millisecond)', () => {
    const p = planContainerLifecycle(
      container({ state: 'stopping', lastReportAt: T1 }),
      input('agent.stopped'),
    );
    expect(p).toMatchObject({ applied: true, to: 'stopped' });
    expect(p.operations).toMatchObject({ scope: 'named' });
    expect(p.operations.outcome['container.stop']).toEqual({ kind: 'succeed' });
  });

  it('judges operations of every kind: only container operations finish through a state', () => {
    const p = planContainerLifecycle(container({ state: 'deleting' }), input('agent.deleted'));
    for (const kind of OPERATION_KINDS) {
      expect(p.operations.outcome[kind]).toEqual({
        kind: kind === 'container.delete' ? 'succeed' : 'running',
      });
    }
  });
});

describe('planContainerLifecycle: a restart on the host', () => {
  it("ends the old run's usage when its machine stopped, so the reboot is not billed", () => {
    const p = planContainerLifecycle(
      container({ state: 'restarting', usageOpenSince: T0 }),
      input('agent.running', { at: T2, stoppedAt: T1 }),
    );
    expect(p).toMatchObject({ applied: true, to: 'running' });
    expect(p.usage).toMatchObject({ kind: 'open', closeOpenAt: T1, at: T2, minSeconds: 10, clock: 'host' });
  });
});

describe('planContainerLifecycle: an end the host did not see', () => {
  it("is dated at the host's last heartbeat, but never before its last report of the machine (not stale)", () => {
    // Reported running at T2; the agent's last heartbeat before it died was T1 (earlier).
    const p = planContainerLifecycle(
      container({ state: 'running', lastReportAt: T2, usageOpenSince: T2 }),
      input('agent.failed', { at: T1, unseen: true }),
    );
    expect(p).toMatchObject({ applied: true, to: 'failed' });
    expect(p.usage).toMatchObject({ kind: 'close', at: T2 });
    // The same date without the flag is an older report than the last one: it changes nothing.
    expect(
      planContainerLifecycle(
        container({ state: 'running', lastReportAt: T2, usageOpenSince: T2 }),
        input('agent.failed', { at: T1 }),
      ),
    ).toMatchObject({ applied: false });
  });
});

describe('planContainerLifecycle: a host back from being lost', () => {
  it('bills only from its return: usage opens when its report arrives, with no new start minimum', () => {
    // Lost at its last heartbeat T1 (usage closed there); back, it reports the machine's start T0 at NOW.
    const p = planContainerLifecycle(
      container({ state: 'lost', usageOpenSince: null, usageLastEndedAt: T1 }),
      input('agent.running', { at: T0 }),
    );
    expect(p).toMatchObject({ applied: true, to: 'running' });
    expect(p.usage).toEqual({
      kind: 'open',
      meter: 'container.s1',
      quantity: 1,
      at: NOW,
      closeOpenAt: null,
      minSeconds: 0,
      clock: 'api',
    });
  });

  it('still starts a container that was not lost with its minimum, by the host’s clock', () => {
    const p = planContainerLifecycle(
      container({ state: 'creating', usageOpenSince: null }),
      input('agent.running'),
    );
    expect(p.usage).toMatchObject({ kind: 'open', at: T1, minSeconds: 10, clock: 'host' });
  });
});

describe("planContainerLifecycle: a tenant's action", () => {
  it('start: raises the generation, clears the last exit, asks for standing and capacity checks', () => {
    const p = planContainerLifecycle(container({ state: 'exited' }), input('start'));
    expect(p.patch).toEqual({
      state: 'starting',
      stateChangedAt: NOW,
      updatedAt: NOW,
      generation: 4,
      exitCode: null,
      stateReason: null,
    });
    expect(p.newOperation).toEqual({ kind: 'container.start', generation: 4, then: 'enqueue' });
    expect(p.checks).toEqual({ goodStanding: true, capacity: true, placement: false });
    expect(p.usage).toEqual({ kind: 'none' });
  });

  it('stop: keeps the last exit and usage (the host says when it stopped)', () => {
    const p = planContainerLifecycle(container(), input('stop'));
    expect(p.patch).toEqual({ state: 'stopping', stateChangedAt: NOW, updatedAt: NOW, generation: 4 });
    expect(p.usage).toEqual({ kind: 'none' });
    for (const kind of OPERATION_KINDS) expect(p.operations.outcome[kind]).toEqual({ kind: 'supersede' });
  });

  it("delete on a lost host: done at once, usage closed by the API's clock", () => {
    const p = planContainerLifecycle(container({ state: 'lost', usageOpenSince: T0 }), input('delete'));
    expect(p.to).toBe('deleted');
    expect(p.usage).toEqual({ kind: 'close', at: NOW, clock: 'api' });
    expect(p.newOperation).toEqual({ kind: 'container.delete', generation: 4, then: 'succeed' });
    expect(p.release).toEqual({ networking: true, volumes: true });
  });

  it('delete without force on a container that holds capacity: refused with a way out', () => {
    expect(() => planContainerLifecycle(container(), input('delete'))).toThrow(
      new DomainError(
        'container/invalid_state',
        'container web is running; stop it first, or delete with force=true to kill it',
        { state: 'running' },
      ),
    );
  });

  it('a refused action says why, as the state machine does', () => {
    expect(() => planContainerLifecycle(container({ state: 'stopped' }), input('stop'))).toThrow(
      'cannot stop container: it is stopped',
    );
  });
});

describe('planContainerLifecycle: host.lost', () => {
  const reason = { code: 'host/lost', message: 'host h1 stopped answering' };

  it("marks the container lost at the host's last heartbeat and fails its operations", () => {
    const p = planContainerLifecycle(container(), input('host.lost', { reason }));
    expect(p.patch).toEqual({
      state: 'lost',
      stateChangedAt: T1,
      stateReason: reason.message,
      updatedAt: NOW,
    });
    expect(p.usage).toEqual({ kind: 'close', at: T1, clock: 'host' });
    expect(p.operations.scope).toBe('open');
    for (const kind of OPERATION_KINDS)
      expect(p.operations.outcome[kind]).toEqual({ kind: 'fail', error: reason });
  });

  it('finishes a delete in flight: the host garbage-collects when it returns', () => {
    const p = planContainerLifecycle(container({ state: 'deleting' }), input('host.lost', { reason }));
    expect(p.to).toBe('deleted');
    expect(p.operations.outcome['container.delete']).toEqual({ kind: 'succeed' });
    expect(p.operations.outcome['container.exec']).toEqual({ kind: 'fail', error: reason });
  });

  it('leaves a settled container and its operations alone', () => {
    const p = planContainerLifecycle(container({ state: 'stopped' }), input('host.lost', { reason }));
    expect(p).toMatchObject({ applied: false, patch: null, operations: { scope: 'none' } });
  });
});

describe('planContainerLifecycle: host.lost of a container that may move', () => {
  const reason = { code: 'host/lost', message: 'host h1 stopped answering' };
  const movable = (over: Partial<LifecycleContainer> = {}): LifecycleContainer =>
    container({ restartPolicy: 'always', pinnedToHost: false, lastReportAt: T0, ...over });

  it('goes back to pending at a new generation with a create queued on another host, usage closed at the last heartbeat', () => {
    const p = planContainerLifecycle(movable(), input('host.lost', { reason }));
    expect(p).toMatchObject({ from: 'running', to: 'pending', applied: true, move: true });
    expect(p.patch).toEqual({
      state: 'pending',
      stateChangedAt: NOW,
      updatedAt: NOW,
      generation: 4,
      lastReportAt: null,
      exitCode: null,
      stateReason: 'host h1 stopped answering; started again on another host',
    });
    // Closed at the lost host's last heartbeat; the new host's running report opens the next one.
    expect(p.usage).toEqual({ kind: 'close', at: T1, clock: 'host' });
    expect(p.release).toEqual({ networking: false, volumes: false });
    expect(p.newOperation).toEqual({ kind: 'container.create', generation: 4, then: 'enqueue' });
    expect(p.checks).toEqual({ goodStanding: false, capacity: false, placement: true });
    for (const kind of OPERATION_KINDS) expect(p.operations.outcome[kind]).toEqual({ kind: 'supersede' });
  });

  it.each(['pending', 'creating', 'starting', 'running', 'restarting'] as const)(
    'moves from %s, where it was meant to run',
    (state) => {
      const p = planContainerLifecycle(movable({ state }), input('host.lost', { reason }));
      expect(p).toMatchObject({ to: 'pending', move: true });
    },
  );

  it.each(
    CONTAINER_STATES.filter((s) => !['pending', 'creating', 'starting', 'running', 'restarting'].includes(s)),
  )('does not move from %s: on its way out, or not running anywhere', (state) => {
    const p = planContainerLifecycle(movable({ state }), input('host.lost', { reason }));
    expect(p.move).toBe(false);
    expect(p.checks.placement).toBe(false);
    expect(p.to).not.toBe('pending');
  });

  it.each([
    ['restart policy no', { restartPolicy: 'no' }],
    ['restart policy on-failure', { restartPolicy: 'on-failure' }],
    ['no restart policy known', { restartPolicy: undefined }],
    ['a host-local volume', { pinnedToHost: true }],
    ['volumes not looked at', { pinnedToHost: undefined }],
  ] as const)('stays lost with %s', (_why, over) => {
    const p = planContainerLifecycle(movable(over), input('host.lost', { reason }));
    expect(p).toMatchObject({ to: 'lost', move: false, newOperation: null });
  });

  it('stays lost when no other host had room, as one that may not move', () => {
    const moved = planContainerLifecycle(movable(), input('host.lost', { reason, noHostWithRoom: true }));
    const pinned = planContainerLifecycle(movable({ pinnedToHost: true }), input('host.lost', { reason }));
    expect(moved).toEqual(pinned);
  });

  it("reports of the new host are not judged against the lost host's clock", () => {
    const p = planContainerLifecycle(movable({ lastReportAt: T2 }), input('host.lost', { reason }));
    const moved = { ...movable(), ...p.patch, usageOpenSince: null, usageLastEndedAt: T1 };
    // The new host's clock may run behind the lost one's: its first report still applies.
    const running = planContainerLifecycle(moved, input('agent.running', { at: T1 }));
    expect(running).toMatchObject({ applied: true, to: 'running', usage: { kind: 'open', at: T1 } });
  });
});

describe('planContainerCreate: a new container', () => {
  const p = planContainerCreate(NOW);

  it("waits in pending at generation 1, every date the request's, nothing run yet", () => {
    expect(p.to).toBe('pending');
    expect(p.fields).toEqual({
      state: 'pending',
      generation: 1,
      stateChangedAt: NOW,
      createdAt: NOW,
      updatedAt: NOW,
      lastReportAt: null,
      startedAt: null,
      finishedAt: null,
      exitCode: null,
      stateReason: null,
    });
  });

  it('bills nothing until its host reports it running', () => {
    expect(p.usage).toEqual({ kind: 'none' });
  });

  it('opens a create operation for its generation, queued for its host', () => {
    expect(p.newOperation).toEqual({ kind: 'container.create', generation: 1, then: 'enqueue' });
  });

  it('starts where the state machine lets the first report take it: running opens usage from there', () => {
    const created = container({ ...p.fields, usageOpenSince: null, usageLastEndedAt: null });
    // Its host reports after the API made it (a host's time before that is not possible).
    const running = planContainerLifecycle(created, input('agent.running', { at: NOW }));
    expect(running).toMatchObject({ applied: true, to: 'running', usage: { kind: 'open', at: NOW } });
    expect(planContainerLifecycle(created, input('agent.creating')).to).toBe('creating');
    // The create operation the report names finishes with it.
    expect(running.operations.outcome['container.create']).toEqual({ kind: 'succeed' });
  });
});

describe('operationGoalReached', () => {
  const REACHED: Readonly<Partial<Record<OperationKind, readonly ContainerState[]>>> = {
    'container.create': ['running', 'exited'],
    'container.start': ['running', 'exited'],
    'container.restart': ['running', 'exited'],
    'container.stop': ['stopped', 'exited'],
    'container.delete': ['deleted'],
  };

  it.each(OPERATION_KINDS.flatMap((kind) => CONTAINER_STATES.map((state) => [kind, state] as const)))(
    '%s in %s',
    (kind, state) => {
      expect(operationGoalReached(kind, state)).toBe((REACHED[kind] ?? []).includes(state));
    },
  );
});
