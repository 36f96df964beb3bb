import { TerminalDriverError, type ImageRunConfig, type MachineSpec } from '../driver';
import type { ProcessSpec } from './guest-protocol';

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

export function mergeEnv(base: readonly string[], overrides: Readonly<Record<string, string>>): string[] {
  const out = new Map<string, string>();
  for (const entry of base) {
    const i = entry.indexOf('=');
    if (i > 0) out.set(entry.slice(0, i), entry.slice(i + 1));
  }
  for (const [k, v] of Object.entries(overrides)) out.set(k, v);
  return [...out].map(([k, v]) => `${k}=${v}`);
}
