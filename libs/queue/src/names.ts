import type { ContainerId, HostId, OperationKind } from '@berth/domain';

/** The API's own queue: periodic control-plane jobs (host reaper, operation reconciler). */
export const CONTROL_QUEUE = 'control';

/** Control-queue job names. */
export const CONTROL_JOBS = { reapHosts: 'hosts.reap', reconcileOperations: 'operations.reconcile' } as const;

/** One queue per host; only that host's agent consumes it. BullMQ forbids ':' in names, so '.' separates. */
export function agentQueueName(hostId: HostId): string {
  return `agent.${hostId}`;
}

/**
 * Deterministic job id: the same operation enqueued twice (by the API and by the reconciler after a
 * crash) is one job in Redis.
 */
export function containerJobId(kind: OperationKind, containerId: ContainerId, generation: number): string {
  return `${kind}.${containerId}.g${generation}`;
}

/**
 * `host.sync` on `agent.<hostId>`: "your data plane changed; fetch GET /v1/agent/dataplane and apply it".
 * Not an operation (nothing waits on it and it has no generation): the payload is `{ hostId }`, and the
 * job id is the same for every nudge of a host, so nudges that arrive while one waits collapse into it.
 * The agent also polls, so a lost nudge only delays a change.
 */
export const HOST_SYNC_JOB = 'host.sync';

export function hostSyncJobId(hostId: HostId): string {
  return `${HOST_SYNC_JOB}.${hostId}`;
}

/**
 * A container's output on its way from the agent to the API: a Redis stream per container, capped.
 * The agent also keeps the full log on the host; this is the delivery path for `logs` and `logs -f`.
 */
export function logStreamKey(prefix: string, containerId: ContainerId | string): string {
  return `${prefix}:logs:${containerId}`;
}

/** How many lines each container's log stream keeps in Redis (older ones stay in the host's file). */
export const LOG_STREAM_MAX_LEN = 10_000;
