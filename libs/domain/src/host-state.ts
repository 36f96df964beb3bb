/*
 * Host state machine.
 *
 *                 heartbeat                               heartbeat
 *                +---------+                             +---------+
 *                |         v          drain              |         v
 *             +-----------------+ ------------------> +------------------+
 *   register  |      ready      |                     |     draining     |
 *   --------> |  accepts work   | <------------------ |  keeps running   |
 *             +-----------------+       undrain       |  containers, no  |
 *                |          ^                         |  new placements  |
 *   heartbeat.   |          | heartbeat               +------------------+
 *   missed       v          |                                |
 *             +-----------------+     heartbeat.missed        |
 *             |      lost       | <---------------------------+
 *             +-----------------+
 *
 * A lost host that heartbeats again comes back ready, even if it was draining before: losing
 * it already moved its containers to lost, and an operator who still wants it drained drains it
 * again. A lost host cannot be drained, nor can a host be drained twice.
 * Anything not drawn is refused with host/not_ready.
 */
import { DomainError } from './errors';

export const HOST_STATES = ['ready', 'lost', 'draining'] as const;
export type HostState = (typeof HOST_STATES)[number];

export const HOST_EVENTS = ['heartbeat', 'heartbeat.missed', 'drain', 'undrain'] as const;
export type HostEvent = (typeof HOST_EVENTS)[number];

export const HOST_TRANSITIONS: {
  readonly [S in HostState]: Readonly<Partial<Record<HostEvent, HostState>>>;
} = {
  ready: { heartbeat: 'ready', 'heartbeat.missed': 'lost', drain: 'draining' },
  lost: { heartbeat: 'ready' },
  draining: { heartbeat: 'draining', 'heartbeat.missed': 'lost', undrain: 'ready' },
};

export function isHostState(value: unknown): value is HostState {
  return typeof value === 'string' && (HOST_STATES as readonly string[]).includes(value);
}

export function isHostEvent(value: unknown): value is HostEvent {
  return typeof value === 'string' && (HOST_EVENTS as readonly string[]).includes(value);
}

/** The state after `event`, or null when the event is not allowed in `from`. */
export function nextHostState(from: HostState, event: HostEvent): HostState | null {
  return HOST_TRANSITIONS[from][event] ?? null;
}

function refusal(from: HostState, event: HostEvent): string {
  switch (event) {
    case 'heartbeat':
      return `cannot record a heartbeat: the host is ${from}`;
    case 'heartbeat.missed':
      return `cannot mark the host lost: it is already ${from}`;
    case 'drain':
      return `cannot drain host: it is ${from}`;
    case 'undrain':
      return `cannot undrain host: it is ${from}, not draining`;
  }
}

/** The state after `event`, or throws DomainError('host/not_ready') with details { state, event }. */
export function transitionHost(from: HostState, event: HostEvent): HostState {
  const to = nextHostState(from, event);
  if (to === null) throw new DomainError('host/not_ready', refusal(from, event), { state: from, event });
  return to;
}

/** Only a ready host gets new containers; a draining one keeps what it has. */
export function hostAcceptsWork(state: HostState): boolean {
  return state === 'ready';
}

/**
 * The most VM templates a host's heartbeat carries (one per size and device layout in use): the API
 * refuses more, as an agent is not trusted to send an unbounded list, and the agent sends no more.
 */
export const MAX_HOST_TEMPLATES = 64;

/** The longest error a host reports of a template (a failed build or restore); the API refuses longer. */
export const MAX_TEMPLATE_ERROR_CHARS = 500;

/**
 * How long the control plane may go unseen (between two host-reaper ticks) before that gap counts as
 * its own outage, after which every host's silence is measured from the resumption. Three missed ticks:
 * a busy tick or two is not an outage. At most half the lost-host grace, so that an outage too short to
 * be noticed (plus a heartbeat interval and a tick) still leaves the hosts time to heartbeat; an outage
 * noticed wrongly only delays losing a host, never loses one.
 */
export function controlPlaneOutageAfterMs(reaperIntervalMs: number, hostLostAfterMs: number): number {
  return Math.min(3 * reaperIntervalMs, hostLostAfterMs / 2);
}
