/**
 * The agent's timeline log lines and the start phases they give. The agent logs (pino JSON, one object
 * a line, the text in `msg`):
 *   job-timeline {"id","operationId","at",<hook>...,"created","started"}   ms from `at`, cumulative,
 *     one key per bring-up hook in the order the hooks ran (image, volumes, network);
 *   boot-timeline {"id","pid","accel","template"?,"at","spawned","restored"|"channel","guestReady",
 *     "workloadStarted"}   ms from `at` (QEMU spawned); `template` and `restored` only for a clone.
 */

export interface JobTimeline {
  readonly id: string;
  /** Epoch ms: the agent began bringing the container up. */
  readonly at: number;
  /** Each step in order, cumulative ms from `at`: the hooks by name, then `created` and `started`. */
  readonly steps: readonly (readonly [string, number])[];
}

export interface BootTimeline {
  readonly id: string;
  readonly pid: number;
  /** The template the machine was restored from; absent: booted cold. */
  readonly template?: string;
  /** Epoch ms: the driver spawned QEMU. */
  readonly at: number;
  /** Ms from `at`: the clone's state loaded (clone) or the guest channel connected (cold). */
  readonly vmmUp: number;
  readonly guestReady: number;
  readonly workloadStarted: number;
}

/** The JSON after `<kind> ` in the `msg` of each log line that has one, by container id (the last wins). */
function timelineObjects(log: string, kind: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const line of log.split('\n')) {
    if (!line.includes(`${kind} {`)) continue;
    let msg: unknown;
    try {
      msg = (JSON.parse(line) as { msg?: unknown }).msg;
    } catch {
      continue; // not a log object (a stack trace's line, say)
    }
    if (typeof msg !== 'string' || !msg.startsWith(`${kind} {`)) continue;
    try {
      const t = JSON.parse(msg.slice(kind.length + 1)) as Record<string, unknown>;
      if (typeof t.id === 'string') out.set(t.id, t);
    } catch {
      // a truncated line: that container has no timeline
    }
  }
  return out;
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`timeline without ${what}`);
  return v;
};

/** Every `job-timeline` of an agent's log, by container id. */
export function jobTimelines(log: string): Map<string, JobTimeline> {
  const out = new Map<string, JobTimeline>();
  for (const [id, t] of timelineObjects(log, 'job-timeline')) {
    const steps = Object.entries(t)
      .filter(([k]) => k !== 'id' && k !== 'operationId' && k !== 'at')
      .map(([k, v]) => [k, num(v, k)] as const);
    out.set(id, { id, at: num(t.at, 'at'), steps });
  }
  return out;
}

/** Every `boot-timeline` of an agent's log, by container id. */
export function bootTimelines(log: string): Map<string, BootTimeline> {
  const out = new Map<string, BootTimeline>();
  for (const [id, t] of timelineObjects(log, 'boot-timeline')) {
    const template = typeof t.template === 'string' ? t.template : undefined;
    out.set(id, {
      id,
      pid: num(t.pid, 'pid'),
      ...(template ? { template } : {}),
      at: num(t.at, 'at'),
      vmmUp: template ? num(t.restored, 'restored') : num(t.channel, 'channel'),
      guestReady: num(t.guestReady, 'guestReady'),
      workloadStarted: num(t.workloadStarted, 'workloadStarted'),
    });
  }
  return out;
}

/** What the bench saw itself (epoch ms): the POST sent, its 202, the first GET that said running. */
export interface ClientTimes {
  readonly posted: number;
  readonly accepted: number;
  readonly running: number;
}

/** The name of the phase in which QEMU comes up: a cold boot starts a VMM, a clone restores one. */
export const VMM_PHASE = 'vmm';

/**
 * One start cut into consecutive phases (ms), in order, from the client's and the agent's times (one
 * host, one clock):
 *   api (POST -> 202, before the 202 and not part of `total`), queue (202 -> the agent begins),
 *   `hook <name>` per hook, create (the driver's create), vmm (created -> QEMU restored or its channel
 *   up; holds the driver's work before spawning), guest (-> berth-init's READY), workload (-> the agent
 *   has the workload started), report (-> the API says running, as the client polls it).
 * The phases after api add up to `total`, 202 -> running.
 */
export function startPhases(
  c: ClientTimes,
  job: JobTimeline,
  boot: BootTimeline,
): { readonly phases: readonly (readonly [string, number])[]; readonly total: number } {
  const step = (name: string): number => {
    const s = job.steps.find(([k]) => k === name);
    if (!s) throw new Error(`job timeline of ${job.id} has no ${name}`);
    return job.at + s[1];
  };
  const hooks = job.steps.filter(([k]) => k !== 'created' && k !== 'started');
  const marks: [string, number][] = [
    ['queue', job.at],
    ...hooks.map(([k, ms]): [string, number] => [`hook ${k}`, job.at + ms]),
    ['create', step('created')],
    [VMM_PHASE, boot.at + boot.vmmUp],
    ['guest', boot.at + boot.guestReady],
    ['workload', step('started')],
    ['report', c.running],
  ];
  const phases: [string, number][] = [['api', c.accepted - c.posted]];
  let prev = c.accepted;
  for (const [name, at] of marks) {
    phases.push([name, at - prev]);
    prev = at;
  }
  return { phases, total: c.running - c.accepted };
}

/**
 * The steps berth-init timed inside the guest for each start (`<id>: guest: start-timeline {...}`, ms:
 * seed (RNG and clock), disks, net, root, spawn), by container id: where "workload start" goes.
 */
export function guestStartSteps(log: string): Map<string, ReadonlyMap<string, number>> {
  const out = new Map<string, ReadonlyMap<string, number>>();
  const marker = ': guest: start-timeline {';
  for (const line of log.split('\n')) {
    if (!line.includes(marker)) continue;
    let msg: unknown;
    try {
      msg = (JSON.parse(line) as { msg?: unknown }).msg;
    } catch {
      continue;
    }
    if (typeof msg !== 'string') continue;
    const at = msg.indexOf(marker);
    if (at < 0) continue;
    try {
      const steps = JSON.parse(msg.slice(at + marker.length - 1)) as Record<string, unknown>;
      const entries = Object.entries(steps).filter((e): e is [string, number] => typeof e[1] === 'number');
      out.set(msg.slice(0, at), new Map(entries));
    } catch {
      // a truncated line
    }
  }
  return out;
}
