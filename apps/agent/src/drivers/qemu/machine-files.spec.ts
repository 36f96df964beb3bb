import { INITIAL_STATE, parseMachineState, statusOf, type MachineState } from './machine-files';

const running: MachineState = {
  phase: 'running',
  pid: 4242,
  startedAt: '2026-01-02T03:04:05.000Z',
  finishedAt: null,
  exitCode: null,
  boots: 1,
};

describe('parseMachineState', () => {
  it('reads back what was saved', () => {
    expect(parseMachineState(JSON.stringify(running))).toEqual(running);
    expect(parseMachineState(JSON.stringify(INITIAL_STATE))).toEqual(INITIAL_STATE);
  });

  it('takes a torn, foreign or mistyped file for no state at all', () => {
    expect(parseMachineState('{"phase":"runn')).toBeNull();
    expect(parseMachineState('null')).toBeNull();
    expect(parseMachineState('[]')).toBeNull();
    expect(parseMachineState(JSON.stringify({ ...running, phase: 'paused' }))).toBeNull();
    expect(parseMachineState(JSON.stringify({ ...running, pid: '4242' }))).toBeNull();
    expect(parseMachineState(JSON.stringify({ ...running, startedAt: 'yesterday' }))).toBeNull();
    expect(parseMachineState(JSON.stringify({ ...running, boots: undefined }))).toBeNull();
  });
});

describe('statusOf', () => {
  const now = new Date('2026-05-06T07:08:09.000Z');

  it('reports each phase with its dates', () => {
    expect(statusOf(INITIAL_STATE, now)).toEqual({ state: 'created' });
    expect(statusOf(running, now)).toEqual({
      state: 'running',
      startedAt: new Date(running.startedAt ?? ''),
    });
    expect(
      statusOf({ ...running, phase: 'stopped', exitCode: 3, finishedAt: '2026-01-02T04:00:00.000Z' }, now),
    ).toEqual({ state: 'stopped', exitCode: 3, finishedAt: new Date('2026-01-02T04:00:00.000Z') });
  });

  it('dates from now a machine still booting, or an end nobody dated (and says nobody saw that end)', () => {
    expect(statusOf({ ...running, startedAt: null }, now)).toEqual({ state: 'running', startedAt: now });
    expect(statusOf({ ...running, phase: 'stopped' }, now)).toEqual({
      state: 'stopped',
      exitCode: null,
      finishedAt: now,
      endUnknown: true,
    });
  });
});
