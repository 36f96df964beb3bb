import { TerminalDriverError, type ExecRequest, type ImageRunConfig, type MachineSpec } from '../driver';
import { guestDisks } from './disk-recipe';
import type { ProcessSpec, StartSpec } from './guest-protocol';

/**
 * The workload process as Docker would run it: the container's command replaces the image's CMD and
 * keeps its ENTRYPOINT; the container's env overrides the image's, key by key.
 */
export function workloadProcess(spec: MachineSpec, image: ImageRunConfig): ProcessSpec {
  const args = [...image.entrypoint, ...(spec.command ?? image.cmd)];
  if (args.length === 0) {
    throw new TerminalDriverError(
      'image/no_command',
      `image ${spec.image} has no entrypoint or cmd, and the container gives no command`,
    );
  }
  return {
    args,
    env: mergeEnv(image.env, spec.env),
    ...(image.workdir ? { workdir: image.workdir } : {}),
    ...(image.user ? { user: image.user } : {}),
  };
}

/**
 * Everything berth-init needs to boot the machine and run its workload (workloadProcess()): the hostname,
 * the disks, one line per NIC (`eth<i> <address>/<prefix> <gateway> <mtu>`) and /etc/hosts.
 */
export function startSpec(spec: MachineSpec, workload: ProcessSpec, timeMs: number): StartSpec {
  return {
    ...workload,
    hostname: spec.name,
    ...guestDisks(spec.volumes),
    timeMs,
    networks: (spec.interfaces ?? []).map(
      (n, i) => `eth${i} ${n.address}/${n.prefixLength} ${n.gateway} ${n.mtu}`,
    ),
    ...(spec.hostsFile ? { hosts: spec.hostsFile } : {}),
  };
}

/**
 * A process run beside the workload: the container's environment (image's, then container's), then
 * the request's; the request's workdir and user, else the image's.
 */
export function execProcess(spec: MachineSpec, req: ExecRequest): ProcessSpec {
  const image = spec.rootfs?.config;
  const workdir = req.workdir ?? image?.workdir;
  const user = req.user ?? image?.user;
  return {
    args: req.args,
    env: [...mergeEnv(image?.env ?? [], spec.env), ...(req.env ?? [])],
    ...(workdir ? { workdir } : {}),
    ...(user ? { user } : {}),
  };
}

export function mergeEnv(base: readonly string[], overrides: Readonly<Record<string, string>>): string[] {
  const out = new Map<string, string>();
  for (const entry of base) {
    const i = entry.indexOf('=');
    if (i > 0) out.set(entry.slice(0, i), entry.slice(i + 1));
  }
  for (const [k, v] of Object.entries(overrides)) out.set(k, v);
  return [...out].map(([k, v]) => `${k}=${v}`);
}
