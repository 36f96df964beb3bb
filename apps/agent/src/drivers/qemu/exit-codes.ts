/** How a QEMU process ended, as Node saw its child end. */
export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The signals the agent sends a guest's processes, by their numbers in the (always Linux) guest. */
export const GUEST_SIGNALS = { SIGKILL: 9, SIGTERM: 15 } as const;
export type GuestSignal = keyof typeof GUEST_SIGNALS;

/**
 * The exit code a shell gives a process ended by this signal (128 + its number): what a workload the
 * driver had to kill exits with (137 for SIGKILL), as Docker reports it.
 */
export function signalledExitCode(signal: GuestSignal): number {
  return 128 + GUEST_SIGNALS[signal];
}

/** QEMU's end in words, for errors; null when it was not our child (an adopted VM) and nobody knows. */
export function describeProcessEnd(end: ProcessEnd | null): string {
  if (end === null) return 'ended';
  if (end.signal !== null) return `was killed by ${end.signal}`;
  return end.code === null ? 'ended' : `exited with code ${end.code}`;
}
