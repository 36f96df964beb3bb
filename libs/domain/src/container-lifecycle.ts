/*
 * What one event does to a container's life, decided in one place: its new state and fields, its
 * usage, the resources it lets go of, and its operations. Pure: the API's paths that move a container
 * (its creation, an agent's report, a tenant's action, the host reaper) read the facts, ask
 * planContainerCreate or planContainerLifecycle, and write the plan in their own transaction.
 *
 * Who sends which event, and by which clock it is dated:
 *   create (planContainerCreate)         a tenant, through the API          the API's clock at the request
 *   start | stop | restart | delete   a tenant, through the API          the API's clock at the request
 *   agent.*                            the host's agent reports           the host's clock at the observation
 *   host.lost                          the API's reaper                   the host's clock at its last heartbeat
 *
 * host.lost of a container that should keep running (restart=always, still starting or running, no
 * host-local volume holding it to its host) moves it: it goes back to `pending` on another host at a new
 * generation, with a container.create queued there (plan.move). Its usage closes at the lost host's last
 * heartbeat, and opens again only when the new host reports it running, so the two copies are never
 * billed together; the lost host's copy is fenced by the generation and the host id, and stopped by its
 * agent when it returns.
 *
 * The transitions themselves are container-state.ts's table; this file adds what follows from each.
 */
import { DomainError } from './errors';
import {
  CONTAINER_USER_EVENTS,
  containerHoldsCapacity,
  nextContainerState,
  transitionContainer,
  type ContainerAgentEvent,
  type ContainerEvent,
  type ContainerState,
  type ContainerUserEvent,
} from './container-state';
import { OPERATION_KINDS, type OperationKind } from './operation-state';
import { containerMeter, MIN_SECONDS_PER_START } from './pricing';
import type { SizeName } from './sizes';
import {
  datedUsage,
  NO_USAGE,
  restartedUsage,
  returnedUsage,
  type UsageClock,
  type UsageEffect,
  type UsageHistory,
  type UsageSubject,
} from './usage-dating';

/** Which machine's clock dated an event: the API's (a tenant's request) or the container's host's. */
export type LifecycleClock = UsageClock;

/** What the planner needs to know about a container and its usage. */
export interface LifecycleContainer {
  readonly name: string;
  readonly state: ContainerState;
  readonly size: SizeName;
  readonly generation: number;
  /** When the API made it (the API's clock): no host can have seen anything happen to it before. */
  readonly createdAt: Date;
  /** The host-clock time of the last agent report applied; an older report changes nothing. */
  readonly lastReportAt: Date | null;
  /** When its open usage interval started; null when none is open. */
  readonly usageOpenSince: Date | null;
  /** The latest end of its closed usage intervals; null when none has ended. */
  readonly usageLastEndedAt: Date | null;
  /** Its restart policy as stored (formatRestartPolicy's text); absent reads as `no`. */
  readonly restartPolicy?: string;
  /**
   * Whether a host-local volume holds it to its host (it runs only where that volume is). Only host.lost
   * asks; absent reads as pinned, so that nothing moves unless its caller looked.
   */
  readonly pinnedToHost?: boolean;
}

/** Why something ended: a host's error for agent.failed, the reaper's note for host.lost. */
export interface LifecycleReason {
  readonly code: string;
  readonly message: string;
}

export interface LifecycleInput {
  readonly event: ContainerEvent;
  /** When it happened, by `clock`. */
  readonly at: Date;
  readonly clock: LifecycleClock;
  /** The API's clock as it writes the plan (updatedAt). */
  readonly now: Date;
  readonly reason?: LifecycleReason | null;
  /** agent.exited and agent.stopped: the workload's exit code, when the host knows it. */
  readonly exitCode?: number | null;
  /**
   * agent.running after a restart on the host: when the machine it replaces stopped, by the host's
   * clock. The old run's usage ends there, not at the new start (the reboot is not billed).
   */
  readonly stoppedAt?: Date | null;
  /**
   * An agent report of an end its host did not see (found at the agent's start): `at` is the host's
   * last heartbeat before, and the end is dated no earlier than the host's last report of it (which
   * vouched for it too), so it is never taken for a stale report.
   */
  readonly unseen?: boolean;
  /** delete: kill a container that still holds its host's capacity. */
  readonly force?: boolean;
  /**
   * host.lost: the move was tried and no other ready host had room for it (plan.checks.placement
   * failed), so it stays lost on its host, as a container that may not move does.
   */
  readonly noHostWithRoom?: boolean;
}

/** The container's fields to write. Fields not named stay as they are. */
export interface ContainerPatch {
  readonly state: ContainerState;
  readonly stateChangedAt: Date;
  readonly updatedAt: Date;
  readonly generation?: number;
  /** null: no report of the new host has been applied yet (a move starts its reports afresh). */
  readonly lastReportAt?: Date | null;
  readonly startedAt?: Date;
  readonly finishedAt?: Date | null;
  readonly exitCode?: number | null;
  readonly stateReason?: string | null;
}

/** What the container lets go of besides host capacity (which follows its state). */
export interface ReleaseEffect {
  /** Its addresses, groups and floating IP; its peers' hosts are told. */
  readonly networking: boolean;
  /** Its volumes, which may then have another writer. */
  readonly volumes: boolean;
}

export type OperationOutcome =
  | { readonly kind: 'leave' }
  | { readonly kind: 'running' }
  | { readonly kind: 'succeed' }
  | { readonly kind: 'supersede' }
  | { readonly kind: 'fail'; readonly error: LifecycleReason };

/**
 * What happens to the container's operations still in flight (pending or running): none of them, the
 * one the agent's report names (when it is this container's and still in flight), or every one.
 */
export interface OperationsEffect {
  readonly scope: 'none' | 'named' | 'open';
  readonly outcome: Readonly<Record<OperationKind, OperationOutcome>>;
}

/** A tenant's action opens an operation; it is queued for the host, or done at once. */
export interface NewOperation {
  readonly kind: OperationKind;
  readonly generation: number;
  readonly then: 'enqueue' | 'succeed';
}

/** Checks with I/O that must pass, after the planner's own, before the plan is written. */
export interface LifecycleChecks {
  /** The tenant is not suspended for billing. */
  readonly goodStanding: boolean;
  /** The tenant's vCPU and memory quotas, and the container's own host, have room for it again. */
  readonly capacity: boolean;
  /**
   * Another ready host has room for it: the caller places it there and sets its host id before writing
   * the plan. When none has, the caller asks again with `noHostWithRoom`.
   */
  readonly placement: boolean;
}

export interface LifecyclePlan {
  readonly from: ContainerState;
  /** The state after the plan; `from` when nothing changes. */
  readonly to: ContainerState;
  /** Whether the container changes at all (a refused, duplicate or stale report does not). */
  readonly applied: boolean;
  readonly patch: ContainerPatch | null;
  readonly usage: UsageEffect;
  readonly release: ReleaseEffect;
  readonly operations: OperationsEffect;
  readonly newOperation: NewOperation | null;
  readonly checks: LifecycleChecks;
  /** It leaves its host for another (checks.placement finds which): host.lost of a container that may move. */
  readonly move: boolean;
}

/** Whether a container in `state` means that an operation of `kind` did what it was asked. */
export function operationGoalReached(kind: OperationKind, state: ContainerState): boolean {
  switch (kind) {
    case 'container.create':
    case 'container.start':
    case 'container.restart':
      // A workload that ran and already exited was still started.
      return state === 'running' || state === 'exited';
    case 'container.stop':
      return state === 'stopped' || state === 'exited';
    case 'container.delete':
      return state === 'deleted';
    case 'container.exec':
    case 'image.pull':
    case 'volume.create':
    case 'volume.delete':
    case 'snapshot.create':
    case 'snapshot.delete':
      // These finish through their own result reports, never through a container state.
      return false;
  }
}

/** A new container's lifecycle fields: everything else (image, size, host...) is the request's. */
export interface ContainerCreationFields {
  readonly state: ContainerState;
  readonly generation: number;
  readonly stateChangedAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly lastReportAt: null;
  readonly startedAt: null;
  readonly finishedAt: null;
  readonly exitCode: null;
  readonly stateReason: null;
}

/**
 * What a create writes. Its checks (quota, good standing, a host with room) come before placement, in
 * the lock order every create path takes, so they are the caller's, not part of this plan.
 */
export interface ContainerCreationPlan {
  readonly to: ContainerState;
  readonly fields: ContainerCreationFields;
  readonly usage: UsageEffect;
  readonly newOperation: NewOperation;
}

/**
 * The plan for a new container, created by a tenant's request at `at` (the API's clock): it waits in
 * `pending` for its host at generation 1, bills nothing until its host reports it running, and opens a
 * container.create operation queued for its host.
 */
export function planContainerCreate(at: Date): ContainerCreationPlan {
  const generation = 1;
  return {
    to: 'pending',
    fields: {
      state: 'pending',
      generation,
      stateChangedAt: at,
      createdAt: at,
      updatedAt: at,
      lastReportAt: null,
      startedAt: null,
      finishedAt: null,
      exitCode: null,
      stateReason: null,
    },
    usage: NO_USAGE,
    newOperation: { kind: 'container.create', generation, then: 'enqueue' },
  };
}

/** A container's usage bills machine time on its size's meter, at least MIN_SECONDS_PER_START a start. */
function containerUsageSubject(size: SizeName): UsageSubject {
  return {
    resourceType: 'container',
    meter: containerMeter(size),
    quantity: 1,
    minSeconds: MIN_SECONDS_PER_START,
  };
}

function usageHistoryOf(c: LifecycleContainer): UsageHistory {
  return { openSince: c.usageOpenSince, lastEndedAt: c.usageLastEndedAt };
}

/** The container's usage change, dated by the one rule (usage-dating.ts). */
function containerUsage(change: 'open' | 'close', c: LifecycleContainer, input: LifecycleInput): UsageEffect {
  return datedUsage(change, containerUsageSubject(c.size), usageHistoryOf(c), {
    at: input.at,
    clock: input.clock,
  });
}

/**
 * The plan for `input.event` on container `c`. A tenant's action that the state machine refuses throws
 * DomainError('container/invalid_state'); an agent's report or the reaper's event that it refuses
 * yields a plan that changes nothing.
 */
export function planContainerLifecycle(c: LifecycleContainer, given: LifecycleInput): LifecyclePlan {
  const vouched =
    given.unseen === true && c.lastReportAt !== null && given.at < c.lastReportAt
      ? { ...given, at: c.lastReportAt }
      : given;
  const input = vouched.clock === 'host' ? { ...vouched, at: boundedHostTime(c, vouched) } : vouched;
  const event = input.event;
  if (isUserEvent(event)) return planUserAction(c, event, input);
  if (event === 'host.lost') return planHostLost(c, input);
  return planAgentReport(c, event, input);
}

/**
 * A host's clock is trusted only within what is physically possible: nothing was observed on the host
 * after the API received the report (`now`), nor before the API made the container. A host clock far
 * off (a wrong RTC, a bug, a hostile agent) would otherwise open usage in 1970 and bill the month, or
 * date a report in the future so that every later report looked stale and the container stuck. Within
 * those bounds the host's time stands: the skew of a sane clock is a few seconds at most, and clamping
 * it to the API's clock would bill the report's transit time instead of the machine's.
 */
export function boundedHostTime(c: Pick<LifecycleContainer, 'createdAt'>, input: LifecycleInput): Date {
  const t = input.at.getTime();
  return new Date(Math.max(c.createdAt.getTime(), Math.min(t, input.now.getTime())));
}

const NO_RELEASE: ReleaseEffect = { networking: false, volumes: false };
const RELEASE_ALL: ReleaseEffect = { networking: true, volumes: true };
const NO_CHECKS: LifecycleChecks = { goodStanding: false, capacity: false, placement: false };

const OPERATION_OF: Readonly<Record<ContainerUserEvent, OperationKind>> = {
  start: 'container.start',
  stop: 'container.stop',
  restart: 'container.restart',
  delete: 'container.delete',
};

/** The default when a host fails without saying why. */
export const AGENT_FAILED: LifecycleReason = { code: 'agent/failed', message: 'the host could not do it' };
const FAILED_ON_HOST = 'failed on the host';

function planAgentReport(
  c: LifecycleContainer,
  event: ContainerAgentEvent,
  input: LifecycleInput,
): LifecyclePlan {
  const fresh = c.lastReportAt === null || input.at >= c.lastReportAt;
  const next = fresh ? nextContainerState(c.state, event) : null;
  const applied = next !== null && next !== c.state;
  const to = applied ? next : c.state;
  // The operation a report names is judged by where the container ends, even when the report was stale.
  const failure = event === 'agent.failed' ? (input.reason ?? AGENT_FAILED) : null;
  const operations: OperationsEffect = {
    scope: 'named',
    outcome: outcomesByKind((kind) => {
      if (failure) return { kind: 'fail', error: failure };
      return operationGoalReached(kind, to) ? { kind: 'succeed' } : { kind: 'running' };
    }),
  };
  if (!applied) return unchanged(c, operations);
  return {
    from: c.state,
    to,
    applied,
    patch: {
      ...reportedFields(to, input),
      state: to,
      stateChangedAt: input.at,
      lastReportAt: input.at,
      updatedAt: input.now,
    },
    // Usage follows what the host saw: running opens it, every other change closes it; but a host back
    // from being lost vouches only from its return (usage-dating.ts, returnedUsage).
    usage:
      c.state === 'lost' && to === 'running'
        ? returnedUsage(containerUsageSubject(c.size), usageHistoryOf(c), input.now)
        : to === 'running'
          ? restartedUsage(containerUsageSubject(c.size), usageHistoryOf(c), {
              at: input.at,
              clock: input.clock,
              stoppedAt: input.stoppedAt ? boundedHostTime(c, { ...input, at: input.stoppedAt }) : null,
            })
          : containerUsage('close', c, input),
    release: to === 'deleted' ? RELEASE_ALL : NO_RELEASE,
    operations,
    newOperation: null,
    checks: NO_CHECKS,
    move: false,
  };
}

/** The fields a host's report sets besides the state. */
function reportedFields(to: ContainerState, input: LifecycleInput): Partial<ContainerPatch> {
  switch (to) {
    case 'running':
      return { startedAt: input.at, finishedAt: null, exitCode: null, stateReason: null };
    case 'exited':
    case 'stopped':
      return { finishedAt: input.at, exitCode: input.exitCode ?? null };
    case 'failed':
      return { finishedAt: input.at, stateReason: input.reason?.message ?? FAILED_ON_HOST };
    default:
      return {};
  }
}

function planUserAction(
  c: LifecycleContainer,
  action: ContainerUserEvent,
  input: LifecycleInput,
): LifecyclePlan {
  if (action === 'delete' && input.force !== true && containerHoldsCapacity(c.state)) {
    throw new DomainError(
      'container/invalid_state',
      `container ${c.name} is ${c.state}; stop it first, or delete with force=true to kill it`,
      { state: c.state },
    );
  }
  const to = transitionContainer(c.state, action);
  const generation = c.generation + 1;
  // A lost host can do nothing: deleting there ends at once, and the agent clears up if it returns.
  const deletedNow = to === 'deleted';
  const cleared = to === 'starting' || to === 'restarting' ? { exitCode: null, stateReason: null } : {};
  return {
    from: c.state,
    to,
    applied: true,
    patch: { state: to, stateChangedAt: input.at, updatedAt: input.at, generation, ...cleared },
    usage: deletedNow ? containerUsage('close', c, input) : NO_USAGE,
    release: deletedNow ? RELEASE_ALL : NO_RELEASE,
    // The new action replaces whatever was in flight.
    operations: { scope: 'open', outcome: outcomesByKind(() => ({ kind: 'supersede' })) },
    newOperation: { kind: OPERATION_OF[action], generation, then: deletedNow ? 'succeed' : 'enqueue' },
    checks: {
      goodStanding: action === 'start',
      // A stopped container reserves nothing; starting it reserves its vCPUs and memory again.
      capacity: (action === 'start' || action === 'restart') && !containerHoldsCapacity(c.state),
      placement: false,
    },
    move: false,
  };
}

/**
 * States in which a container was meant to run when its host was lost: a restart=always one of these
 * moves. One stopping or being deleted was on its way out, one settled (stopped, exited, failed) is not
 * running anywhere to lose.
 */
const MOVES_WHEN_LOST: ReadonlySet<ContainerState> = new Set<ContainerState>([
  'pending',
  'creating',
  'starting',
  'running',
  'restarting',
]);

/** Whether host.lost moves `c` to another host (before placement is tried). */
export function movesWhenHostLost(c: LifecycleContainer): boolean {
  return c.restartPolicy === 'always' && c.pinnedToHost === false && MOVES_WHEN_LOST.has(c.state);
}

function planHostLost(c: LifecycleContainer, input: LifecycleInput): LifecyclePlan {
  const to = nextContainerState(c.state, 'host.lost');
  if (to === null) return unchanged(c, { scope: 'none', outcome: outcomesByKind(() => ({ kind: 'leave' })) });
  const reason = input.reason ?? { code: 'host/lost', message: 'the host stopped answering' };
  if (movesWhenHostLost(c) && input.noHostWithRoom !== true) return planMove(c, input, reason);
  return {
    from: c.state,
    to,
    applied: true,
    patch: { state: to, stateChangedAt: input.at, stateReason: reason.message, updatedAt: input.now },
    // Nothing after the host's last heartbeat can be vouched for: usage ends there.
    usage: containerUsage('close', c, input),
    release: to === 'deleted' ? RELEASE_ALL : NO_RELEASE,
    operations: {
      scope: 'open',
      outcome: outcomesByKind((kind) =>
        to === 'deleted' && kind === 'container.delete'
          ? { kind: 'succeed' }
          : { kind: 'fail', error: reason },
      ),
    },
    newOperation: null,
    checks: NO_CHECKS,
    move: false,
  };
}

/**
 * host.lost of a container that may move: it is made again on another host, as a create makes it
 * (pending, a container.create queued there), at a new generation so that anything the lost host still
 * sends or runs for the old one is stale. Usage closes at the lost host's last heartbeat (nothing after
 * it can be vouched for) and opens when the new host reports it running. Its addresses and groups stay:
 * the container is the same, only its machine is new.
 */
function planMove(c: LifecycleContainer, input: LifecycleInput, reason: LifecycleReason): LifecyclePlan {
  const generation = c.generation + 1;
  return {
    from: c.state,
    to: 'pending',
    applied: true,
    patch: {
      state: 'pending',
      stateChangedAt: input.now,
      updatedAt: input.now,
      generation,
      lastReportAt: null,
      exitCode: null,
      stateReason: `${reason.message}; started again on another host`,
    },
    usage: containerUsage('close', c, input),
    release: NO_RELEASE,
    // The new create replaces whatever was in flight on the lost host.
    operations: { scope: 'open', outcome: outcomesByKind(() => ({ kind: 'supersede' })) },
    newOperation: { kind: 'container.create', generation, then: 'enqueue' },
    checks: { goodStanding: false, capacity: false, placement: true },
    move: true,
  };
}

function unchanged(c: LifecycleContainer, operations: OperationsEffect): LifecyclePlan {
  return {
    from: c.state,
    to: c.state,
    applied: false,
    patch: null,
    usage: NO_USAGE,
    release: NO_RELEASE,
    operations,
    newOperation: null,
    checks: NO_CHECKS,
    move: false,
  };
}

function outcomesByKind(
  decide: (kind: OperationKind) => OperationOutcome,
): Readonly<Record<OperationKind, OperationOutcome>> {
  return Object.fromEntries(OPERATION_KINDS.map((kind) => [kind, decide(kind)])) as Record<
    OperationKind,
    OperationOutcome
  >;
}

function isUserEvent(event: ContainerEvent): event is ContainerUserEvent {
  return (CONTAINER_USER_EVENTS as readonly string[]).includes(event);
}
