// Network namespaces as test hosts (DESIGN.md "Network": tests run real hosts as namespaces on one
// machine), and an "internet" namespace they share a public segment with: a bridge `pub` there, and
// one veth per host (`pub0` inside the host, a named leg on the bridge).
import { execFileSync } from 'node:child_process';

/** Runs a command that must succeed; its stdout. */
export function sh(...args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' }).toString();
}

/** Runs a command that may fail (clean-up); whether it succeeded. */
export function ok(...args: string[]): boolean {
  try {
    execFileSync(args[0]!, args.slice(1), { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

export function addNetns(name: string): void {
  sh('ip', 'netns', 'add', name);
}

/** Deletes a namespace the test made; one already gone is no error (clean-up runs after failures too). */
export function deleteNetns(name: string): boolean {
  return ok('ip', 'netns', 'del', name);
}

/** The public segment: bridge `pub` in `inet`, at `gateway`/24, up with the namespace's loopback. */
export function makeInternet(inet: string, gateway: string): void {
  sh('ip', '-n', inet, 'link', 'add', 'pub', 'type', 'bridge');
  sh('ip', '-n', inet, 'addr', 'add', `${gateway}/24`, 'dev', 'pub');
  sh('ip', '-n', inet, 'link', 'set', 'pub', 'up');
  sh('ip', '-n', inet, 'link', 'set', 'lo', 'up');
}

export interface InternetLeg {
  /** The host's namespace; it gets `pub0` at `address`/24 and a default route via `gateway`. */
  readonly host: string;
  /** The internet's namespace (makeInternet). */
  readonly inet: string;
  /** The veth end's name on the internet's bridge, one per host. */
  readonly leg: string;
  readonly address: string;
  readonly gateway: string;
  /** Other devices of the host's to bring up with lo and pub0 (an underlay made before). */
  readonly alsoUp?: readonly string[];
}

/** Puts a host on the public segment (see InternetLeg). */
export function joinInternet(j: InternetLeg): void {
  sh('ip', 'link', 'add', 'pub0', 'netns', j.host, 'type', 'veth', 'peer', 'name', j.leg, 'netns', j.inet);
  sh('ip', '-n', j.inet, 'link', 'set', j.leg, 'master', 'pub', 'up');
  sh('ip', '-n', j.host, 'addr', 'add', `${j.address}/24`, 'dev', 'pub0');
  for (const dev of ['lo', ...(j.alsoUp ?? []), 'pub0']) sh('ip', '-n', j.host, 'link', 'set', dev, 'up');
  sh('ip', '-n', j.host, 'route', 'add', 'default', 'via', j.gateway);
}

/** An HTTP GET from inside namespace `ns`: the body, trimmed, or null when nothing answered. */
export function fetchInNetns(ns: string, url: string): string | null {
  try {
    // busybox's `wget -T` crashes (Debian's 1.35); execFileSync's timeout bounds it instead.
    return execFileSync('ip', ['netns', 'exec', ns, 'busybox', 'wget', '-q', '-O', '-', url], {
      timeout: 8_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return null;
  }
}
