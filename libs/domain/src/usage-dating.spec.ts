import {
  FLOATING_IP_USAGE,
  planFloatingIpUsage,
  planStorageUsage,
  storageUsageSubject,
} from './reserved-usage';
import {
  BILLABLE_FACT,
  datedUsage,
  NO_USAGE_HISTORY,
  planReservedUsage,
  planUsageCut,
  restartedUsage,
  returnedUsage,
  type UsageSubject,
} from './usage-dating';
import { USAGE_RESOURCE_TYPES } from './pricing';
import { VOLUME_STATES, type VolumeState } from './volumes';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:01:00.000Z');
const T2 = new Date('2026-01-01T00:02:00.000Z');

const CONTAINER: UsageSubject = {
  resourceType: 'container',
  meter: 'container.s2',
  quantity: 1,
  minSeconds: 10,
};
const VOLUME: UsageSubject = { resourceType: 'volume', meter: 'volume.gib', quantity: 20, minSeconds: 0 };

describe('datedUsage: the one rule that dates usage', () => {
  const none = NO_USAGE_HISTORY;

  it('closes the open interval at the event, never before the interval started', () => {
    const at = { at: T1, clock: 'host' } as const;
    expect(datedUsage('close', CONTAINER, { ...none, openSince: T0 }, at)).toEqual({
      kind: 'close',
      at: T1,
      clock: 'host',
    });
    expect(datedUsage('close', CONTAINER, { ...none, openSince: T2 }, at)).toEqual({
      kind: 'close',
      at: T2,
      clock: 'host',
    });
  });

  it('closes nothing when nothing is open', () => {
    expect(datedUsage('close', CONTAINER, none, { at: T1, clock: 'api' })).toEqual({ kind: 'none' });
  });

  it('opens at the event, never before the last interval ended, closing the open one first', () => {
    const at = { at: T1, clock: 'host' } as const;
    expect(datedUsage('open', CONTAINER, none, at)).toEqual({
      kind: 'open',
      meter: 'container.s2',
      quantity: 1,
      at: T1,
      closeOpenAt: null,
      minSeconds: 10,
      clock: 'host',
    });
    // An event dated before the last interval ended opens where it ended: no second is billed twice.
    expect(datedUsage('open', CONTAINER, { ...none, lastEndedAt: T2 }, at)).toMatchObject({ at: T2 });
    expect(datedUsage('open', CONTAINER, { ...none, openSince: T0 }, at)).toMatchObject({
      at: T1,
      closeOpenAt: T1,
    });
    // An open interval that started after the event ends where it started; the new one starts there.
    expect(datedUsage('open', CONTAINER, { ...none, openSince: T2 }, at)).toMatchObject({
      at: T2,
      closeOpenAt: T2,
    });
  });

  it("ends a restarted machine's run when it stopped, not when the new one started: the reboot is not billed", () => {
    // Open since T0; stopped at T1 for a restart; the new machine started at T2.
    expect(
      restartedUsage(CONTAINER, { ...none, openSince: T0 }, { at: T2, clock: 'host', stoppedAt: T1 }),
    ).toEqual({
      kind: 'open',
      meter: 'container.s2',
      quantity: 1,
      at: T2,
      closeOpenAt: T1,
      minSeconds: 10,
      clock: 'host',
    });
    // A stop time after the new start, or before the run began, is held to what is possible.
    expect(
      restartedUsage(CONTAINER, { ...none, openSince: T0 }, { at: T1, clock: 'host', stoppedAt: T2 }),
    ).toMatchObject({ closeOpenAt: T1, at: T1 });
    expect(
      restartedUsage(CONTAINER, { ...none, openSince: T1 }, { at: T2, clock: 'host', stoppedAt: T0 }),
    ).toMatchObject({ closeOpenAt: T1, at: T2 });
    // Without a stop time, or with nothing open, it is an ordinary open.
    expect(
      restartedUsage(CONTAINER, { ...none, openSince: T0 }, { at: T2, clock: 'host', stoppedAt: null }),
    ).toEqual(datedUsage('open', CONTAINER, { ...none, openSince: T0 }, { at: T2, clock: 'host' }));
    expect(restartedUsage(CONTAINER, none, { at: T2, clock: 'host', stoppedAt: T1 })).toMatchObject({
      closeOpenAt: null,
      at: T2,
    });
  });

  it("opens a returning host's machine from the report's receipt, without a start's minimum", () => {
    // Closed at T1 (the host's last heartbeat); back, its report received at T2.
    expect(returnedUsage(CONTAINER, { ...none, lastEndedAt: T1 }, T2)).toEqual({
      kind: 'open',
      meter: 'container.s2',
      quantity: 1,
      at: T2,
      closeOpenAt: null,
      minSeconds: 0,
      clock: 'api',
    });
    // Never before the last interval ended, even by a clock behind.
    expect(returnedUsage(CONTAINER, { ...none, lastEndedAt: T2 }, T1)).toMatchObject({ at: T2 });
  });

  it("dates reserved capacity by the API's commit only: a host's clock there is a bug", () => {
    for (const resourceType of USAGE_RESOURCE_TYPES) {
      const subject = { ...VOLUME, resourceType };
      const byHost = (): unknown => datedUsage('open', subject, none, { at: T1, clock: 'host' });
      if (BILLABLE_FACT[resourceType] === 'reservation') expect(byHost).toThrow(/dated by the API's commit/);
      else expect(byHost()).toMatchObject({ kind: 'open', clock: 'host' });
      expect(datedUsage('open', subject, none, { at: T1, clock: 'api' })).toMatchObject({ clock: 'api' });
    }
  });

  it('calls containers machine time and everything else reserved capacity', () => {
    expect(BILLABLE_FACT).toEqual({
      container: 'machine',
      volume: 'reservation',
      snapshot: 'reservation',
      floating_ip: 'reservation',
    });
  });
});

describe('planReservedUsage', () => {
  it.each([
    [false, false, 'none'],
    [false, true, 'open'],
    [true, false, 'close'],
    [true, true, 'none'],
  ] as const)('held %s -> %s: %s', (before, after, kind) => {
    const history = before ? { openSince: T0, lastEndedAt: null } : NO_USAGE_HISTORY;
    const effect = planReservedUsage({ before, after }, VOLUME, history, T1);
    expect(effect.kind).toBe(kind);
    if (effect.kind !== 'none') expect(effect).toMatchObject({ at: T1, clock: 'api' });
  });
});

describe('planStorageUsage: billed while available', () => {
  const volume = { kind: 'volume', sizeGib: 20 } as const;
  const FROM: readonly (VolumeState | null)[] = [null, ...VOLUME_STATES];

  it.each(FROM.flatMap((from) => VOLUME_STATES.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    const history = from === 'available' ? { openSince: T0, lastEndedAt: null } : NO_USAGE_HISTORY;
    const effect = planStorageUsage(volume, from, to, history, T1);
    const expected =
      from !== 'available' && to === 'available'
        ? 'open'
        : from === 'available' && to !== 'available'
          ? 'close'
          : 'none';
    expect(effect.kind).toBe(expected);
  });

  it('opens a volume on its size and a snapshot on what it stores, in whole GB, at least one', () => {
    expect(planStorageUsage(volume, null, 'available', NO_USAGE_HISTORY, T1)).toEqual({
      kind: 'open',
      meter: 'volume.gib',
      quantity: 20,
      at: T1,
      closeOpenAt: null,
      minSeconds: 0,
      clock: 'api',
    });
    expect(storageUsageSubject({ kind: 'snapshot', storedBytes: 0 })).toMatchObject({
      resourceType: 'snapshot',
      meter: 'snapshot.gib',
      quantity: 1,
    });
    expect(storageUsageSubject({ kind: 'snapshot', storedBytes: 3 * 1024 ** 3 + 1 }).quantity).toBe(4);
  });

  it('closes on deletion at the commit, never before the interval started', () => {
    expect(
      planStorageUsage(volume, 'available', 'deleting', { openSince: T0, lastEndedAt: null }, T1),
    ).toEqual({ kind: 'close', at: T1, clock: 'api' });
    expect(
      planStorageUsage(volume, 'available', 'deleting', { openSince: T2, lastEndedAt: null }, T1),
    ).toEqual({ kind: 'close', at: T2, clock: 'api' });
  });
});

describe('planFloatingIpUsage', () => {
  it('opens on allocation and closes on release, by the API', () => {
    expect(planFloatingIpUsage('allocate', NO_USAGE_HISTORY, T1)).toMatchObject({
      kind: 'open',
      meter: FLOATING_IP_USAGE.meter,
      quantity: 1,
      at: T1,
      clock: 'api',
    });
    expect(planFloatingIpUsage('release', { openSince: T0, lastEndedAt: null }, T1)).toEqual({
      kind: 'close',
      at: T1,
      clock: 'api',
    });
  });
});

describe('planUsageCut', () => {
  it('ends at the boundary and carries what remains of the minimum', () => {
    const boundary = new Date(T0.getTime() + 4_000);
    expect(planUsageCut({ startedAt: T0, minSeconds: 10 }, boundary)).toEqual({
      endAt: boundary,
      continueAt: boundary,
      continuationMinSeconds: 6,
    });
    expect(planUsageCut({ startedAt: T0, minSeconds: 10 }, T1).continuationMinSeconds).toBe(0);
  });
});
