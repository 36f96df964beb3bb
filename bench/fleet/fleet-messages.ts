import type { FleetOptions, SimulatedHost } from './hollow-fleet';

/** What the bench tells the fleet process (over Node's IPC channel). */
export type ToFleet =
  | { readonly type: 'start'; readonly options: Omit<FleetOptions, 'onRunning' | 'stateRoot'> }
  | { readonly type: 'stop' };

/** What the fleet process tells the bench. */
export type FromFleet =
  | {
      readonly type: 'ready';
      readonly hosts: readonly SimulatedHost[];
      readonly startMs: number;
      readonly sockets: number;
      readonly rssMib: number;
    }
  /** Containers the API answered as running, with when (batched: one message per few ms, not per container). */
  | { readonly type: 'running'; readonly batch: readonly (readonly [string, number])[] }
  | { readonly type: 'stats'; readonly sockets: number; readonly rssMib: number; readonly cpuMs: number }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'stopped' };
