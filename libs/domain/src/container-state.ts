/*
 * Container state machine.
 *
 * User events: start, stop, restart, delete. Agent events (agent.*) report what the host
 * observed. host.lost comes from the API's reaper when a host stops heartbeating.
 *
 *   IN FLIGHT (holds host capacity)                        SETTLED (releases it)
 *
 *   pending --agent.creating--> creating --agent.running--+
 *      |                                                  |
 *      +--agent.running-----------------------------------+
 *                                                         v
 *   starting --agent.running------------------------> running --agent.stopped--> stopped
 *      ^                                               ^  |  |
 *      |                  restarting --agent.running--+  |  +--agent.exited---> exited
 *      |                      ^                          |  +--agent.failed---> failed
 *      |                      +---------restart----------+
 *      |                                                 +--stop--> stopping --agent.stopped--> stopped
 *      |                                                                     --agent.exited---> stopped
 *      |
 *      +--start-- stopped | exited | failed --restart--> restarting
 *
 *   From every in-flight state (pending, creating, starting, running, stopping, restarting):
 *     agent.failed --> failed     host.lost --> lost     delete --> deleting
 *     agent.exited --> exited     (from stopping: --> stopped, the exit was asked for)
 *     stop --> stopping           (except from stopping itself)
 *
 *   exited --agent.running--> running     (the agent restarted it under its restart policy)
 *
 *   lost --agent.running|stopped|exited|failed|deleted--> that state   (the host came back)
 *   lost --delete--> deleted              (no host can act; a returning agent garbage-collects)
 *
 *   stopped | exited | failed --delete--> deleting --agent.deleted | host.lost--> deleted
 *
 *   deleted is terminal.
 *
 * host.lost of a restart=always container meant to run (pending, creating, starting, running,
 * restarting) with no host-local volume is not `lost`: the planner (container-lifecycle.ts) moves it
 * to `pending` on another host at a new generation, when one has room.
 *
 * Anything not drawn is refused with container/invalid_state. The table below is the truth;
 * container-state.spec.ts checks it pair by pair against an independent copy.
 */
import { DomainError } from './errors';

export const CONTAINER_STATES = [
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
] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

export const CONTAINER_EVENTS = [
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
export type ContainerEvent = (typeof CONTAINER_EVENTS)[number];

/** Events a tenant asks for through the API. */
export const CONTAINER_USER_EVENTS = [
  'start',
  'stop',
  'restart',
  'delete',
] as const satisfies readonly ContainerEvent[];
export type ContainerUserEvent = (typeof CONTAINER_USER_EVENTS)[number];

export type ContainerAgentEvent = Extract<ContainerEvent, `agent.${string}`>;

type TransitionTable = {
  readonly [S in ContainerState]: Readonly<Partial<Record<ContainerEvent, ContainerState>>>;
};

export const CONTAINER_TRANSITIONS: TransitionTable = {
  pending: {
    'agent.creating': 'creating',
    'agent.running': 'running',
    'agent.failed': 'failed',
    'agent.exited': 'exited',
    stop: 'stopping',
    delete: 'deleting',
    'host.lost': 'lost',
  },
  creating: {
    'agent.running': 'running',
    'agent.failed': 'failed',
    'agent.exited': 'exited',
    stop: 'stopping',
    delete: 'deleting',
    'host.lost': 'lost',
  },
  starting: {
    'agent.running': 'running',
    'agent.failed': 'failed',
    'agent.exited': 'exited',
    stop: 'stopping',
    delete: 'deleting',
    'host.lost': 'lost',
  },
  running: {
    stop: 'stopping',
    restart: 'restarting',
    'agent.exited': 'exited',
    'agent.stopped': 'stopped',
    'agent.failed': 'failed',
    delete: 'deleting',
    'host.lost': 'lost',
  },
  stopping: {
    'agent.stopped': 'stopped',
    // The process exiting while we stop it is the stop succeeding, not a crash.
    'agent.exited': 'stopped',
    'agent.failed': 'failed',
    delete: 'deleting',
    'host.lost': 'lost',
  },
  restarting: {
    'agent.running': 'running',
    'agent.failed': 'failed',
    'agent.exited': 'exited',
    stop: 'stopping',
    delete: 'deleting',
    'host.lost': 'lost',
  },
  stopped: { start: 'starting', restart: 'restarting', delete: 'deleting' },
  exited: {
    start: 'starting',
    restart: 'restarting',
    delete: 'deleting',
    // The agent restarted it under its restart policy.
    'agent.running': 'running',
  },
  failed: { start: 'starting', restart: 'restarting', delete: 'deleting' },
  lost: {
    // No host can act on it; if the host returns, its agent garbage-collects the VM.
    delete: 'deleted',
    // The host came back and reports what it actually sees.
    'agent.running': 'running',
    'agent.stopped': 'stopped',
    'agent.exited': 'exited',
    'agent.failed': 'failed',
    'agent.deleted': 'deleted',
  },
  deleting: {
    'agent.deleted': 'deleted',
    // A lost host will garbage-collect on return; waiting for it would strand the delete.
    'host.lost': 'deleted',
  },
  deleted: {},
};

export function isContainerState(value: unknown): value is ContainerState {
  return typeof value === 'string' && (CONTAINER_STATES as readonly string[]).includes(value);
}

export function isContainerEvent(value: unknown): value is ContainerEvent {
  return typeof value === 'string' && (CONTAINER_EVENTS as readonly string[]).includes(value);
}

/** The state after `event`, or null when the event is not allowed in `from`. */
export function nextContainerState(from: ContainerState, event: ContainerEvent): ContainerState | null {
  return CONTAINER_TRANSITIONS[from][event] ?? null;
}

/** The events allowed in `state`, in CONTAINER_EVENTS order. */
export function allowedContainerEvents(state: ContainerState): ContainerEvent[] {
  return CONTAINER_EVENTS.filter((event) => nextContainerState(state, event) !== null);
}

const AGENT_EVENT_TARGETS: Readonly<Record<ContainerAgentEvent, ContainerState>> = {
  'agent.creating': 'creating',
  'agent.running': 'running',
  'agent.stopped': 'stopped',
  'agent.exited': 'exited',
  'agent.failed': 'failed',
  'agent.deleted': 'deleted',
};

function isAgentEvent(event: ContainerEvent): event is ContainerAgentEvent {
  return event.startsWith('agent.');
}

/** For an agent.* event, the state the host reported; null for user events and host.lost. */
export function targetStateOfAgentEvent(event: ContainerEvent): ContainerState | null {
  return isAgentEvent(event) ? AGENT_EVENT_TARGETS[event] : null;
}

function refusal(from: ContainerState, event: ContainerEvent): string {
  if (isAgentEvent(event)) {
    return `cannot record that the host reports the container ${AGENT_EVENT_TARGETS[event]}: it is ${from}`;
  }
  if (event === 'host.lost') return `cannot mark container lost: it is ${from}`;
  return `cannot ${event} container: it is ${from}`;
}

/**
 * The state after `event`, or throws DomainError('container/invalid_state') with a message a
 * tenant can read ("cannot stop container: it is stopped") and details { state, event }.
 */
export function transitionContainer(from: ContainerState, event: ContainerEvent): ContainerState {
  const to = nextContainerState(from, event);
  if (to === null) {
    throw new DomainError('container/invalid_state', refusal(from, event), { state: from, event });
  }
  return to;
}

/**
 * States in which the container's resources stay reserved on its host. A stopped, exited or
 * failed container releases them (a later start places it again), and a lost host's capacity is
 * not worth reserving.
 */
export const CONTAINER_HOLDS_CAPACITY: ReadonlySet<ContainerState> = new Set<ContainerState>([
  'pending',
  'creating',
  'starting',
  'running',
  'stopping',
  'restarting',
]);

export function containerHoldsCapacity(state: ContainerState): boolean {
  return CONTAINER_HOLDS_CAPACITY.has(state);
}

/** States with no transition in flight: nothing is waiting on the agent. */
export const CONTAINER_SETTLED_STATES: ReadonlySet<ContainerState> = new Set<ContainerState>([
  'running',
  'stopped',
  'exited',
  'failed',
  'lost',
  'deleted',
]);

export function isContainerSettled(state: ContainerState): boolean {
  return CONTAINER_SETTLED_STATES.has(state);
}

/** Only `deleted` is terminal: every other state still has a way out. */
export function isContainerTerminal(state: ContainerState): boolean {
  return state === 'deleted';
}
