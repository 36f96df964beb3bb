import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DomainError } from './errors';
import {
  controlPlaneOutageAfterMs,
  HOST_EVENTS,
  HOST_STATES,
  hostAcceptsWork,
  isHostEvent,
  isHostState,
  nextHostState,
  transitionHost,
  type HostEvent,
  type HostState,
} from './host-state';

const COLUMNS = ['heartbeat', 'heartbeat.missed', 'drain', 'undrain'] as const;
type Cell = HostState | '-';

// Every (state, event) cell written out by hand; '-' means refused.
// prettier-ignore
const EXPECTED: Readonly<Record<HostState, readonly [Cell, Cell, Cell, Cell]>> = {
  //        heartbeat   heartbeat.missed  drain       undrain
  ready:    ['ready',    'lost',           'draining', '-'],
  lost:     ['ready',    '-',              '-',        '-'],
  draining: ['draining', 'lost',           '-',        'ready'],
};

function expected(state: HostState, event: HostEvent): HostState | null {
  const cell = EXPECTED[state][COLUMNS.indexOf(event)];
  if (cell === undefined) throw new Error(`no expected cell for ${state} × ${event}`);
  return cell === '-' ? null : cell;
}

const PAIRS: Array<[HostState, HostEvent]> = HOST_STATES.flatMap((s) =>
  HOST_EVENTS.map((e): [HostState, HostEvent] => [s, e]),
);

describe('host states and events', () => {
  it('has the three states and four events', () => {
    expect([...HOST_STATES]).toEqual(['ready', 'lost', 'draining']);
    expect([...HOST_EVENTS].sort()).toEqual([...COLUMNS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...HOST_STATES].sort());
    expect(PAIRS).toHaveLength(12);
  });

  it('guards recognise exactly the states and events', () => {
    for (const s of HOST_STATES) expect(isHostState(s)).toBe(true);
    for (const e of HOST_EVENTS) expect(isHostEvent(e)).toBe(true);
    for (const v of ['', 'READY', 'down', 'heartbeat.late', 'toString', 0, null, undefined]) {
      expect(isHostState(v)).toBe(false);
      expect(isHostEvent(v)).toBe(false);
    }
  });
});

describe('nextHostState (exhaustive)', () => {
  it.each(PAIRS)('%s + %s', (state, event) => {
    expect(nextHostState(state, event)).toBe(expected(state, event));
  });
});

describe('transitionHost (exhaustive)', () => {
  it.each(PAIRS)('%s + %s', (state, event) => {
    const to = expected(state, event);
    if (to !== null) {
      expect(transitionHost(state, event)).toBe(to);
      return;
    }
    let caught: unknown;
    try {
      transitionHost(state, event);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const err = caught as DomainError;
    expect(err.code).toBe('host/not_ready');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ state, event });
    expect(err.message).toContain(state);
  });

  it.each([
    ['lost', 'drain', 'cannot drain host: it is lost'],
    ['draining', 'drain', 'cannot drain host: it is draining'],
    ['ready', 'undrain', 'cannot undrain host: it is ready, not draining'],
    ['lost', 'heartbeat.missed', 'cannot mark the host lost: it is already lost'],
  ] as const)('explains %s + %s in words', (state, event, message) => {
    expect(() => transitionHost(state, event)).toThrow(message);
  });
});

describe('properties', () => {
  it('only a ready host accepts work', () => {
    expect(HOST_STATES.filter(hostAcceptsWork)).toEqual(['ready']);
  });

  it('a heartbeat always brings a host back to work or keeps it draining', () => {
    for (const s of HOST_STATES) {
      const to = nextHostState(s, 'heartbeat');
      expect(to).toBe(s === 'draining' ? 'draining' : 'ready');
    }
  });

  it('every state can reach every other state', () => {
    for (const from of HOST_STATES) {
      const seen = new Set<HostState>([from]);
      const queue: HostState[] = [from];
      while (queue.length > 0) {
        const s = queue.shift() as HostState;
        for (const e of HOST_EVENTS) {
          const to = nextHostState(s, e);
          if (to !== null && !seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      expect([...seen].sort()).toEqual([...HOST_STATES].sort());
    }
  });
});

describe('the ASCII diagram', () => {
  const source = readFileSync(join(__dirname, 'host-state.ts'), 'utf8');
  const top = source.slice(0, source.indexOf('import '));

  it('opens the file, names every state and event, and is plain ASCII', () => {
    expect(source.startsWith('/*')).toBe(true);
    expect(top).toContain('*/');
    for (const s of HOST_STATES) expect(top).toContain(s);
    for (const e of HOST_EVENTS) expect(top).toContain(e);
    expect(top).toMatch(/-->|<--|v/);
    expect(/^[\x20-\x7e\n]*$/.test(top)).toBe(true);
  });
});

describe('controlPlaneOutageAfterMs', () => {
  it('is three reaper ticks', () => {
    expect(controlPlaneOutageAfterMs(2_000, 15_000)).toBe(6_000);
  });

  it('is at most half the lost-host grace, so an unnoticed outage leaves hosts time to heartbeat', () => {
    expect(controlPlaneOutageAfterMs(5_000, 10_000)).toBe(5_000);
  });
});
