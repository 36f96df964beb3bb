import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  OPERATION_KINDS,
  OPERATION_STATES,
  isOperationDone,
  isOperationKind,
  isOperationState,
  nextOperationState,
  planOperationChange,
  type OperationState,
} from './operation-state';

// Every (from, to) cell written out by hand: 'y' allowed, '-' refused.
// prettier-ignore
const EXPECTED: Readonly<Record<OperationState, string>> = {
  //          pending running succeeded failed superseded
  pending:    '-       y       y         y      y',
  running:    '-       -       y         y      y',
  succeeded:  '-       -       -         -      -',
  failed:     '-       -       -         -      -',
  superseded: '-       -       -         -      -',
};
const COLUMNS: readonly OperationState[] = ['pending', 'running', 'succeeded', 'failed', 'superseded'];

function allowed(from: OperationState, to: OperationState): boolean {
  const cell = EXPECTED[from].split(/\s+/)[COLUMNS.indexOf(to)];
  if (cell !== 'y' && cell !== '-') throw new Error(`bad expected cell for ${from} -> ${to}`);
  return cell === 'y';
}

const PAIRS: Array<[OperationState, OperationState]> = OPERATION_STATES.flatMap((f) =>
  OPERATION_STATES.map((t): [OperationState, OperationState] => [f, t]),
);

describe('operation states', () => {
  it('has the five states', () => {
    expect([...OPERATION_STATES]).toEqual([...COLUMNS]);
    expect(Object.keys(EXPECTED)).toEqual([...COLUMNS]);
    expect(PAIRS).toHaveLength(25);
  });

  it('guard recognises exactly the states', () => {
    for (const s of OPERATION_STATES) expect(isOperationState(s)).toBe(true);
    for (const v of ['', 'done', 'SUCCEEDED', 'cancelled', 'toString', 1, null])
      expect(isOperationState(v)).toBe(false);
  });
});

describe('nextOperationState (exhaustive)', () => {
  it.each(PAIRS)('%s -> %s', (from, to) => {
    expect(nextOperationState(from, to)).toBe(allowed(from, to) ? to : null);
  });
});

describe('isOperationDone', () => {
  it.each([
    ['pending', false],
    ['running', false],
    ['succeeded', true],
    ['failed', true],
    ['superseded', true],
  ] as const)('%s -> %p', (state, done) => {
    expect(isOperationDone(state)).toBe(done);
  });

  it('done means no way out, and every state that is not done can finish', () => {
    for (const s of OPERATION_STATES) {
      const exits = OPERATION_STATES.filter((t) => nextOperationState(s, t) !== null);
      expect(exits.length === 0).toBe(isOperationDone(s));
      if (!isOperationDone(s))
        expect(exits.filter(isOperationDone)).toEqual(['succeeded', 'failed', 'superseded']);
    }
  });

  it('no state moves back to pending or to itself', () => {
    for (const s of OPERATION_STATES) {
      expect(nextOperationState(s, 'pending')).toBeNull();
      expect(nextOperationState(s, s)).toBeNull();
    }
  });
});

describe('OPERATION_KINDS', () => {
  it('lists the container actions, named <resource>.<verb>', () => {
    expect([...OPERATION_KINDS]).toEqual([
      'container.create',
      'container.start',
      'container.stop',
      'container.restart',
      'container.delete',
      'container.exec',
      'image.pull',
      'volume.create',
      'volume.delete',
      'snapshot.create',
      'snapshot.delete',
    ]);
    for (const k of OPERATION_KINDS) {
      expect(k).toMatch(/^[a-z]+\.[a-z]+$/);
      expect(isOperationKind(k)).toBe(true);
    }
  });

  it.each([['container.pause'], ['container'], ['Container.create'], [''], [null], [3]])(
    'refuses %p',
    (v) => {
      expect(isOperationKind(v)).toBe(false);
    },
  );
});

describe('the ASCII diagram', () => {
  it('opens the file and names every state', () => {
    const source = readFileSync(join(__dirname, 'operation-state.ts'), 'utf8');
    const top = source.slice(0, source.indexOf('*/'));
    expect(source.startsWith('/*')).toBe(true);
    for (const s of OPERATION_STATES) expect(top).toContain(s);
    expect(top).toContain('-->');
  });
});

describe('planOperationChange', () => {
  const AT = new Date('2026-01-01T00:00:00.000Z');
  const error = { code: 'agent/failed', message: 'the host could not do it' };

  it.each(OPERATION_STATES.flatMap((from) => OPERATION_STATES.map((to) => [from, to] as const)))(
    '%s -> %s',
    (from, to) => {
      const patch = planOperationChange(from, to, AT, to === 'failed' ? error : null);
      if (nextOperationState(from, to) === null) return expect(patch).toBeNull();
      if (to === 'running') return expect(patch).toEqual({ state: 'running', startedAt: AT, updatedAt: AT });
      expect(patch).toEqual({
        state: to,
        completedAt: AT,
        updatedAt: AT,
        errorCode: to === 'failed' ? error.code : null,
        errorMessage: to === 'failed' ? error.message : null,
      });
    },
  );
});
