import { OPERATION_KINDS, type ContainerId, type HostId, type OperationKind } from '@berth/domain';

/** The API's own queue: periodic control-plane jobs (host reaper, operation reconciler). */
export const CONTROL_QUEUE = 'control';

/** Control-queue job names. */
export const CONTROL_JOBS = {
  reapHosts: 'hosts.reap',
  reconcileOperations: 'operations.reconcile',
  reapIdempotencyKeys: 'idempotency.reap',
  reapJoinTokens: 'join-tokens.reap',
} as const;

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
 * Not an operation (nothing waits on it and it has no generation): the payload is `{ hostId }`, and every
 * nudge of a host carries the same deduplication id (hostSyncJobOptions), so nudges that arrive while one
 * waits collapse into it, and one that arrives while one runs is kept as the next. The agent also polls,
 * so a lost nudge only delays a change.
 */
export const HOST_SYNC_JOB = 'host.sync';

/** Every job name the API enqueues on `agent.<hostId>`: one per operation kind, and the data-plane nudge. */
export type AgentJobName = OperationKind | typeof HOST_SYNC_JOB;

export const AGENT_JOB_NAMES: readonly AgentJobName[] = Object.freeze([...OPERATION_KINDS, HOST_SYNC_JOB]);

export function isAgentJobName(name: string): name is AgentJobName {
  return (AGENT_JOB_NAMES as readonly string[]).includes(name);
}

/** The deduplication id every `host.sync` of one host carries (see hostSyncJobOptions). */
export function hostSyncDeduplicationId(hostId: HostId): string {
  return `${HOST_SYNC_JOB}.${hostId}`;
}

/**
 * A container's output on its way from the agent to the API: a Redis stream per container, capped, under
 * its host's key space so that the host's Redis user can write it (and no other host's). The agent also
 * keeps the full log on the host; this is the delivery path for `logs` and `logs -f`. The API reads the
 * stream of the container's own host, so another host cannot put lines into it.
 */
export function logStreamKey(prefix: string, hostId: HostId, containerId: ContainerId | string): string {
  return `${prefix}:logs:${hostId}:${containerId}`;
}

/** The Redis (ACL) user an agent connects as; made at registration (apps/api/src/hosts/agent-redis-users.ts). */
export function agentRedisUsername(hostId: HostId): string {
  return `berth-agent-${hostId}`;
}

/** Escapes Redis glob characters, so that a name is matched literally in an ACL key pattern. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Every key an agent touches, as ACL key patterns: its BullMQ queue (`<prefix>:agent.<hostId>:*`, which
 * BullMQ's scripts derive every job, list and stream key from) and its containers' log streams. Nothing
 * else: another host's queue and logs, the control queue and any other key are out of reach.
 */
export function agentRedisKeyPatterns(prefix: string, hostId: HostId): string[] {
  return [
    `${globLiteral(`${prefix}:${agentQueueName(hostId)}:`)}*`,
    `${globLiteral(logStreamKey(prefix, hostId, ''))}*`,
  ];
}

/** How many lines each container's log stream keeps in Redis (older ones stay in the host's file). */
export const LOG_STREAM_MAX_LEN = 10_000;
