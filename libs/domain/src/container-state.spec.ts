import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  CONTAINER_EVENTS,
  CONTAINER_HOLDS_CAPACITY,
  CONTAINER_SETTLED_STATES,
  CONTAINER_STATES,
  CONTAINER_USER_EVENTS,
  allowedContainerEvents,
  containerHoldsCapacity,
  isContainerEvent,
  isContainerSettled,
  isContainerState,
  isContainerTerminal,
  nextContainerState,
  targetStateOfAgentEvent,
  transitionContainer,
  type ContainerEvent,
  type ContainerState,
} from './container-state';
import { DomainError } from './errors';

// The whole machine, written out by hand: one row per state, one column per event, '-' where
// the event is refused. The implementation's table must agree on every one of the 132 cells.
const COLUMNS = [
  'start',
  'stop',
  'restart',
  'delete',
  'agent.creating',
  'agent.running',
  'agent.stopped',
  'agent.exited',
  'agent.failed',
  'agent.deleted',
  'host.lost',
] as const;

type Cell = ContainerState | '-';
type Row = readonly [Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell];

// prettier-ignore
const EXPECTED: Readonly<Record<ContainerState, Row>> = {
  //          start       stop        restart       delete      a.creating  a.running  a.stopped  a.exited   a.failed  a.deleted  host.lost
  pending:    ['-',       'stopping', '-',          'deleting', 'creating', 'running', '-',       'exited',  'failed', '-',       'lost'],
  creating:   ['-',       'stopping', '-',          'deleting', '-',        'running', '-',       'exited',  'failed', '-',       'lost'],
  starting:   ['-',       'stopping', '-',          'deleting', '-',        'running', '-',       'exited',  'failed', '-',       'lost'],
  running:    ['-',       'stopping', 'restarting', 'deleting', '-',        '-',       'stopped', 'exited',  'failed', '-',       'lost'],
  stopping:   ['-',       '-',        '-',          'deleting', '-',        '-',       'stopped', 'stopped', 'failed', '-',       'lost'],
  restarting: ['-',       'stopping', '-',          'deleting', '-',        'running', '-',       'exited',  'failed', '-',       'lost'],
  stopped:    ['starting', '-',       'restarting', 'deleting', '-',        '-',       '-',       '-',       '-',      '-',       '-'],
  exited:     ['starting', '-',       'restarting', 'deleting', '-',        'running', '-',       '-',       '-',      '-',       '-'],
  failed:     ['starting', '-',       'restarting', 'deleting', '-',        '-',       '-',       '-',       '-',      '-',       '-'],
  lost:       ['-',       '-',        '-',          'deleted',  '-',        'running', 'stopped', 'exited',  'failed', 'deleted', '-'],
  deleting:   ['-',       '-',        '-',          '-',        '-',        '-',       '-',       '-',       '-',      'deleted', 'deleted'],
  deleted:    ['-',       '-',        '-',          '-',        '-',        '-',       '-',       '-',       '-',      '-',       '-'],
};

function expected(state: ContainerState, event: ContainerEvent): ContainerState | null {
  const cell = EXPECTED[state][COLUMNS.indexOf(event)];
  if (cell === undefined) throw new Error(`no expected cell for ${state} × ${event}`);
  return cell === '-' ? null : cell;
}

const PAIRS: Array<[ContainerState, ContainerEvent]> = CONTAINER_STATES.flatMap((s) =>
  CONTAINER_EVENTS.map((e): [ContainerState, ContainerEvent] => [s, e]),
);

describe('container states and events', () => {
  it('lists the states in lifecycle order', () => {
    expect([...CONTAINER_STATES]).toEqual([
      'pending',
      'creating',
      'starting',
      'running',
      'stopping',
      'restarting',
      'stopped',
      'exited',
      'failed',
      'lost',
      'deleting',
      'deleted',
    ]);
    expect(Object.keys(EXPECTED)).toEqual([...CONTAINER_STATES]);
  });

  it('lists the events in the order of the expected table', () => {
    expect([...CONTAINER_EVENTS]).toEqual([...COLUMNS]);
    expect([...CONTAINER_USER_EVENTS]).toEqual(['start', 'stop', 'restart', 'delete']);
  });

  it('guards recognise exactly the states and events', () => {
    for (const s of CONTAINER_STATES) expect(isContainerState(s)).toBe(true);
    for (const e of CONTAINER_EVENTS) expect(isContainerEvent(e)).toBe(true);
    for (const v of [
      '',
      'Running',
      'agent.',
      'agent.started',
      'host.found',
      'toString',
      1,
      null,
      undefined,
    ]) {
      expect(isContainerState(v)).toBe(false);
      expect(isContainerEvent(v)).toBe(false);
    }
  });
});

describe('nextContainerState (exhaustive)', () => {
  it.each(PAIRS)('%s + %s', (state, event) => {
    expect(nextContainerState(state, event)).toBe(expected(state, event));
  });

  it('covers every pair', () => {
    expect(PAIRS).toHaveLength(12 * 11);
  });
});

describe('transitionContainer (exhaustive)', () => {
  it.each(PAIRS)('%s + %s', (state, event) => {
    const to = expected(state, event);
    if (to !== null) {
      expect(transitionContainer(state, event)).toBe(to);
      return;
    }
    let caught: unknown;
    try {
      transitionContainer(state, event);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const err = caught as DomainError;
    expect(err.code).toBe('container/invalid_state');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ state, event });
    // The message names the current state so a person knows why.
    expect(err.message).toContain(`it is ${state}`);
  });

  it.each([
    ['stopped', 'stop', 'cannot stop container: it is stopped'],
    ['running', 'start', 'cannot start container: it is running'],
    ['deleted', 'delete', 'cannot delete container: it is deleted'],
    ['pending', 'restart', 'cannot restart container: it is pending'],
    ['stopped', 'host.lost', 'cannot mark container lost: it is stopped'],
    ['deleted', 'agent.running', 'cannot record that the host reports the container running: it is deleted'],
  ] as const)('explains %s + %s in words', (state, event, message) => {
    expect(() => transitionContainer(state, event)).toThrow(message);
  });
});

describe('allowedContainerEvents', () => {
  it.each(CONTAINER_STATES.map((s) => [s]))('lists what %s allows', (state) => {
    expect(allowedContainerEvents(state)).toEqual(COLUMNS.filter((e) => expected(state, e) !== null));
  });
});

describe('properties of the machine', () => {
  it('deleted has no way out and is the only terminal state', () => {
    for (const e of CONTAINER_EVENTS) expect(nextContainerState('deleted', e)).toBeNull();
    for (const s of CONTAINER_STATES) {
      expect(isContainerTerminal(s)).toBe(s === 'deleted');
      if (s !== 'deleted') expect(allowedContainerEvents(s).length).toBeGreaterThan(0);
    }
  });

  it('every state other than deleted can reach deleted', () => {
    for (const start of CONTAINER_STATES) {
      if (start === 'deleted') continue;
      const seen = new Set<ContainerState>([start]);
      const queue: ContainerState[] = [start];
      while (queue.length > 0) {
        const s = queue.shift() as ContainerState;
        for (const e of CONTAINER_EVENTS) {
          const to = nextContainerState(s, e);
          if (to !== null && !seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      expect([start, seen.has('deleted')]).toEqual([start, true]);
    }
  });

  it('a delete always finishes: by itself, or once the reaper declares the host lost', () => {
    // A tenant must never be stuck with a container they cannot get rid of, even when its host
    // never answers: delete, then (if the host is gone) host.lost, finishes the job.
    for (const s of CONTAINER_STATES) {
      if (s === 'deleted') continue;
      const afterDelete = nextContainerState(s, 'delete');
      if (afterDelete === 'deleted') continue;
      if (afterDelete === null) {
        expect(s).toBe('deleting');
        expect(nextContainerState(s, 'host.lost')).toBe('deleted');
        continue;
      }
      expect(afterDelete).toBe('deleting');
      expect(nextContainerState(afterDelete, 'host.lost')).toBe('deleted');
    }
  });

  it('every state is reachable from pending', () => {
    const seen = new Set<ContainerState>(['pending']);
    const queue: ContainerState[] = ['pending'];
    while (queue.length > 0) {
      const s = queue.shift() as ContainerState;
      for (const e of CONTAINER_EVENTS) {
        const to = nextContainerState(s, e);
        if (to !== null && !seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...CONTAINER_STATES].sort());
  });

  it('an agent event leads to the state it reports (stopping + agent.exited being the one exception)', () => {
    for (const [s, e] of PAIRS) {
      const target = targetStateOfAgentEvent(e);
      const to = nextContainerState(s, e);
      if (target === null || to === null) continue;
      if (s === 'stopping' && e === 'agent.exited') expect(to).toBe('stopped');
      else expect(to).toBe(target);
    }
  });

  it('every in-flight state handles host.lost, delete and agent.failed', () => {
    for (const s of CONTAINER_HOLDS_CAPACITY) {
      expect(nextContainerState(s, 'host.lost')).toBe('lost');
      expect(nextContainerState(s, 'delete')).toBe('deleting');
      expect(nextContainerState(s, 'agent.failed')).toBe('failed');
    }
  });

  it('user events never jump straight to a state only the agent may report', () => {
    const agentOnly: ContainerState[] = ['creating', 'running', 'stopped', 'exited', 'failed'];
    for (const [s, e] of PAIRS) {
      if (!(CONTAINER_USER_EVENTS as readonly string[]).includes(e)) continue;
      const to = nextContainerState(s, e);
      if (to !== null) expect(agentOnly).not.toContain(to);
    }
  });
});

describe('targetStateOfAgentEvent', () => {
  it.each([
    ['agent.creating', 'creating'],
    ['agent.running', 'running'],
    ['agent.stopped', 'stopped'],
    ['agent.exited', 'exited'],
    ['agent.failed', 'failed'],
    ['agent.deleted', 'deleted'],
    ['start', null],
    ['stop', null],
    ['restart', null],
    ['delete', null],
    ['host.lost', null],
  ] as const)('%s reports %p', (event, state) => {
    expect(targetStateOfAgentEvent(event)).toBe(state);
  });

  it('covers every event', () => {
    for (const e of CONTAINER_EVENTS) {
      expect(targetStateOfAgentEvent(e) !== null).toBe(e.startsWith('agent.'));
    }
  });
});

describe('capacity and settledness', () => {
  // prettier-ignore
  const TABLE: ReadonlyArray<readonly [ContainerState, boolean, boolean]> = [
    // state        holds   settled
    ['pending',     true,   false],
    ['creating',    true,   false],
    ['starting',    true,   false],
    ['running',     true,   true],
    ['stopping',    true,   false],
    ['restarting',  true,   false],
    ['stopped',     false,  true],
    ['exited',      false,  true],
    ['failed',      false,  true],
    ['lost',        false,  true],
    ['deleting',    false,  false],
    ['deleted',     false,  true],
  ];

  it('the table covers every state', () => {
    expect(TABLE.map(([s]) => s)).toEqual([...CONTAINER_STATES]);
  });

  it.each(TABLE)('%s: holds capacity %p, settled %p', (state, holds, settled) => {
    expect(containerHoldsCapacity(state)).toBe(holds);
    expect(CONTAINER_HOLDS_CAPACITY.has(state)).toBe(holds);
    expect(isContainerSettled(state)).toBe(settled);
    expect(CONTAINER_SETTLED_STATES.has(state)).toBe(settled);
  });
});

describe('the ASCII diagram', () => {
  const source = readFileSync(join(__dirname, 'container-state.ts'), 'utf8');
  const top = source.slice(0, source.indexOf('import '));

  it('opens the file as a block comment', () => {
    expect(source.startsWith('/*')).toBe(true);
    expect(top).toContain('*/');
    expect(top.split('\n').length).toBeGreaterThan(20);
    expect(top).toMatch(/-->|--\+|<--/);
  });

  it('names every state and every event', () => {
    for (const s of CONTAINER_STATES) expect(top).toContain(s);
    for (const e of CONTAINER_EVENTS) expect(top).toContain(e);
  });

  it('is plain ASCII', () => {
    expect(/^[\x20-\x7e\n]*$/.test(top)).toBe(true);
  });
});
