/*
 * The one rule that dates every usage interval, and the plans that use it. Pure.
 *
 *   An interval starts and ends at the moment the fact that makes the resource billable became true
 *   or stopped being true, by the clock of the party that observed it:
 *
 *   - machine time (containers): the host's agent saw the VM start or stop, so its report's time, by
 *     the host's clock. When no host can observe it, the party that decides it dates it: the API's
 *     reaper ends a lost host's intervals at the host's last heartbeat (by the host's clock, the last
 *     moment it vouched for), and the API ends a container deleted on a lost host at its commit.
 *   - reserved capacity (volumes, snapshots, floating IPs): the API's commit that reserved or released
 *     it (a volume or snapshot is reserved once it is available: made empty, restored, or copied),
 *     by the API's clock.
 *
 *   Whatever the clock, an interval never ends before it started, and never starts before the
 *   resource's last interval ended, so no second is billed twice. A host's time is taken only within
 *   what is possible (container-lifecycle.ts, boundedHostTime): not before the API made the container,
 *   not after the API received the report.
 *
 *   A restart on the host ends the run before it when its machine stopped (the agent says when, with
 *   the new run's report: restartedUsage), so the reboot between the two runs is not billed.
 *
 *   Only vouched seconds are billed. A machine that ended while no agent watched (found ended or gone
 *   when the agent starts again) is reported ended no later than the host's last heartbeat before (the
 *   agent keeps it: apps/agent/src/state/vouch.store.ts). A host back from being lost reports the machine's original start,
 *   but nobody vouched for the time between its last heartbeat (where the reaper closed its intervals)
 *   and its return: usage opens again at the moment the API received that report (returnedUsage), with
 *   no start minimum (the machine did not start again).
 *
 * The billing worker's hourly cut does not date anything: it splits an open interval at an hour
 * boundary (planUsageCut), keeping its start and its end.
 */
import { billableSeconds } from './usage';
import type { UsageMeter, UsageResourceType } from './pricing';

/** Which party's clock dated an observation: the API's (its own commit) or a host's (its agent's report). */
export type UsageClock = 'api' | 'host';

/** What makes a resource billable: a running machine, or capacity held for the tenant. */
export const BILLABLE_FACT: Readonly<Record<UsageResourceType, 'machine' | 'reservation'>> = {
  container: 'machine',
  volume: 'reservation',
  snapshot: 'reservation',
  floating_ip: 'reservation',
};

/** A resource's usage so far, read (and locked) in the transaction that writes the plan. */
export interface UsageHistory {
  /** When its open interval started; null when none is open. */
  readonly openSince: Date | null;
  /** The latest end of its closed intervals; null when none has ended. */
  readonly lastEndedAt: Date | null;
}

export const NO_USAGE_HISTORY: UsageHistory = { openSince: null, lastEndedAt: null };

/** What an interval of the resource bills. */
export interface UsageSubject {
  readonly resourceType: UsageResourceType;
  readonly meter: UsageMeter;
  /** GB for the storage meters, 1 otherwise. */
  readonly quantity: number;
  /** The least seconds the interval bills (a container's start), 0 otherwise. */
  readonly minSeconds: number;
}

export interface UsageObservation {
  readonly at: Date;
  readonly clock: UsageClock;
}

/**
 * What happens to a resource's usage. `open` first closes the open interval at `closeOpenAt` (when
 * one is open), then opens one from `at`; `close` ends the open interval at `at`.
 */
export type UsageEffect =
  | { readonly kind: 'none' }
  | { readonly kind: 'close'; readonly at: Date; readonly clock: UsageClock }
  | {
      readonly kind: 'open';
      readonly meter: UsageMeter;
      readonly quantity: number;
      readonly at: Date;
      readonly closeOpenAt: Date | null;
      readonly minSeconds: number;
      readonly clock: UsageClock;
    };

export const NO_USAGE: UsageEffect = { kind: 'none' };

/**
 * The rule above, as the one function every usage writer's plan goes through. Throws when reserved
 * capacity is dated by a host's clock: no host observes a reservation (a bug, not bad input).
 */
export function datedUsage(
  change: 'open' | 'close',
  subject: UsageSubject,
  history: UsageHistory,
  observed: UsageObservation,
): UsageEffect {
  if (BILLABLE_FACT[subject.resourceType] === 'reservation' && observed.clock !== 'api') {
    throw new Error(`${subject.resourceType} usage is dated by the API's commit, not by a host's clock`);
  }
  const { at, clock } = observed;
  const closeOpenAt = history.openSince === null ? null : latest(at, history.openSince);
  if (change === 'close') return closeOpenAt === null ? NO_USAGE : { kind: 'close', at: closeOpenAt, clock };
  const lastEnd = closeOpenAt === null ? history.lastEndedAt : latestOf(closeOpenAt, history.lastEndedAt);
  return {
    kind: 'open',
    meter: subject.meter,
    quantity: subject.quantity,
    at: latestOf(at, lastEnd),
    closeOpenAt,
    minSeconds: subject.minSeconds,
    clock,
  };
}

/**
 * A machine restarted on its host: the run before ended when that machine stopped (`stoppedAt`), the
 * new run began at `startedAt`, both by the host's clock; the reboot between them is not billed, and the
 * new run is a start like any other (its minimum). Without a stop time this is datedUsage('open').
 */
export function restartedUsage(
  subject: UsageSubject,
  history: UsageHistory,
  observed: UsageObservation & { readonly stoppedAt: Date | null },
): UsageEffect {
  const opened = datedUsage('open', subject, history, observed);
  if (opened.kind !== 'open' || opened.closeOpenAt === null || observed.stoppedAt === null) return opened;
  // Not after the new start, never before the open interval began.
  const closeOpenAt = latest(
    earliest(observed.stoppedAt, observed.at),
    history.openSince ?? observed.stoppedAt,
  );
  return { ...opened, closeOpenAt, at: latest(observed.at, closeOpenAt) };
}

/**
 * A machine whose host was lost and is back: running again as of `receivedAt` (the API's clock when
 * the returning host's report arrived, the first moment anyone vouches for it since its last
 * heartbeat), never before its last interval ended, and without a new start's minimum.
 */
export function returnedUsage(subject: UsageSubject, history: UsageHistory, receivedAt: Date): UsageEffect {
  return datedUsage('open', { ...subject, minSeconds: 0 }, history, { at: receivedAt, clock: 'api' });
}

/**
 * Reserved capacity bills while it is held: usage opens when it becomes held and closes when it stops
 * being held, at the API's commit `at`; otherwise nothing changes.
 */
export function planReservedUsage(
  held: { readonly before: boolean; readonly after: boolean },
  subject: UsageSubject,
  history: UsageHistory,
  at: Date,
): UsageEffect {
  if (held.before === held.after) return NO_USAGE;
  return datedUsage(held.after ? 'open' : 'close', subject, history, { at, clock: 'api' });
}

/** What the billing worker's hourly cut writes for one open interval. */
export interface UsageCut {
  /** The open interval ends here, and bills only its own seconds (its minimum moves on). */
  readonly endAt: Date;
  /** Its continuation starts here, keeping what remains of the start's minimum. */
  readonly continueAt: Date;
  readonly continuationMinSeconds: number;
}

/**
 * Cuts an interval open since `startedAt` at `boundary`: the part before bills its own seconds, the
 * part after keeps whatever remains of the start's minimum, so a start still bills at least its
 * minimum in total.
 */
export function planUsageCut(
  interval: { readonly startedAt: Date; readonly minSeconds: number },
  boundary: Date,
): UsageCut {
  return {
    endAt: boundary,
    continueAt: boundary,
    continuationMinSeconds: Math.max(0, interval.minSeconds - billableSeconds(interval.startedAt, boundary)),
  };
}

function latest(a: Date, b: Date): Date {
  return b > a ? b : a;
}

function earliest(a: Date, b: Date): Date {
  return b < a ? b : a;
}

function latestOf(a: Date, b: Date | null): Date {
  return b === null ? a : latest(a, b);
}
