import type { ContainerState } from '@berth/domain';
import type { MachineExit, MachineStatus, StartPath } from '../drivers/driver';
import { clipText } from '../util/clip-text';
import { AgentFault } from '../agent-fault';

/**
 * What the agent is to make of one container's machine. Jobs, machine exits, the restart policy and
 * the start-up resync each name a goal; the runner acts on it (ContainerRunnerService.reconcile) and
 * `reportAfter` decides what the API is told: the one place that decision is made.
 */
export type ReconcileGoal =
  /** A create or start job: boot it through the hooks. A restart job stops it first. */
  | { readonly kind: 'up'; readonly restart: boolean }
  /** The restart policy: start the stopped machine again (its writable layer kept). */
  | { readonly kind: 'policy-restart' }
  /** A stop job (`report`), or a container the API holds stopped that still runs (silent). */
  | { readonly kind: 'down'; readonly report: boolean }
  /** A delete job, or a container the API is deleting: remove the machine and what the hooks made. */
  | { readonly kind: 'gone' }
  /** The driver saw the workload exit by itself. */
  | { readonly kind: 'exited'; readonly exit: MachineExit }
  /**
   * The agent started: tell the API what became of a container it believes is `apiState`. An end
   * nobody saw (the machine found ended, or gone) is dated no later than `vouchedUntil`, the host's last
   * heartbeat before (null: unknown, dated when found).
   */
  | {
      readonly kind: 'observe';
      readonly apiState: 'running' | 'lost';
      readonly vouchedUntil?: Date | null;
    };

/** The start-up resync's goal for a container the API holds in `state`; null: its queued work owns it. */
export function resyncGoal(state: ContainerState, vouchedUntil: Date | null = null): ReconcileGoal | null {
  switch (state) {
    case 'running':
    case 'lost':
      return { kind: 'observe', apiState: state, vouchedUntil };
    case 'deleting':
      return { kind: 'gone' };
    case 'stopped':
    case 'exited':
    case 'failed':
      return { kind: 'down', report: false };
    case 'pending':
    case 'creating':
    case 'starting':
    case 'stopping':
    case 'restarting':
    case 'deleted':
      return null;
  }
}

/** A state change to report, dated by the host's clock (the runner adds the generation and operation). */
export type PlannedReport =
  | {
      readonly event: 'agent.running';
      readonly at: Date;
      readonly start?: StartPath;
      readonly stoppedAt?: Date;
    }
  | {
      readonly event: 'agent.exited' | 'agent.stopped';
      readonly at: Date;
      readonly exitCode: number | null;
      readonly unseen?: boolean;
    }
  | { readonly event: 'agent.deleted'; readonly at: Date }
  | {
      readonly event: 'agent.failed';
      readonly at: Date;
      readonly error: { code: string; message: string };
      readonly unseen?: boolean;
    };

/** The longest fallback reason sent: the API takes a bounded one, and a QEMU error can run long. */
export const MAX_FALLBACK_CHARS = 300;

/**
 * What to report once the goal has been acted on, from what the driver shows now: null for nothing.
 * Throws (a transient fault: the job is retried) when a machine just started is not running or done.
 * `started` is how the driver started the machine, if this goal started it: the running report says so
 * (the operation's progress shows it to the tenant), in the same call, not one more.
 */
export function reportAfter(
  goal: ReconcileGoal,
  status: MachineStatus,
  now: Date,
  driver: string,
  started: StartPath | null = null,
  stoppedAt: Date | null = null,
): PlannedReport | null {
  switch (goal.kind) {
    case 'up':
    case 'policy-restart':
      if (status.state === 'running') {
        return {
          event: 'agent.running',
          at: status.startedAt,
          ...(started ? { start: bounded(started) } : {}),
          // A restart's stop: the run before it is billed up to here, not up to this start.
          ...(stoppedAt ? { stoppedAt } : {}),
        };
      }
      // The workload started and already exited: the start succeeded, the container is exited.
      if (status.state === 'stopped') return exited(status);
      throw new Error(`the machine is ${status.state} right after start`);
    case 'down':
      if (!goal.report) return null;
      return status.state === 'stopped'
        ? { event: 'agent.stopped', at: status.finishedAt, exitCode: status.exitCode }
        : { event: 'agent.stopped', at: now, exitCode: null };
    case 'gone':
      return { event: 'agent.deleted', at: now };
    case 'exited':
      return { event: 'agent.exited', at: goal.exit.at, exitCode: goal.exit.exitCode };
    case 'observe': {
      if (status.state === 'running') {
        return goal.apiState === 'lost' ? { event: 'agent.running', at: status.startedAt } : null;
      }
      // What ended while no agent watched ended at a moment nobody saw: at most the last one vouched for
      // (`unseen` tells the API so: it holds the date to no earlier than the host's last report).
      const vouched = goal.vouchedUntil ?? null;
      const unseen = (found: Date): { at: Date; unseen?: true } =>
        vouched && vouched < found ? { at: vouched, unseen: true } : { at: found };
      if (status.state === 'stopped') {
        return status.endUnknown ? { ...exited(status), ...unseen(status.finishedAt) } : exited(status);
      }
      return {
        event: 'agent.failed',
        ...unseen(now),
        error: new AgentFault(
          'host/machine_missing',
          `the machine was not on the host when its agent started (driver ${driver})`,
          true,
        ).report,
      };
    }
  }
}

function bounded(started: StartPath): StartPath {
  return started.fallback !== undefined
    ? { ...started, fallback: clipText(started.fallback, MAX_FALLBACK_CHARS) }
    : started;
}

function exited(status: Extract<MachineStatus, { state: 'stopped' }>): PlannedReport {
  return { event: 'agent.exited', at: status.finishedAt, exitCode: status.exitCode };
}
