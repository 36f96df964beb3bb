import type { AgentNic, AgentVolumeMount, HostTemplateView, StartPath } from '@berth/contracts';
import type { ContainerId, Resources } from '@berth/domain';

/** The parts of an OCI image config that decide how the workload runs. */
export interface ImageRunConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly workdir: string;
  readonly user: string;
}

export type { StartPath };

/** What a driver needs to make a machine: the desired spec as the API gave it, plus what hooks prepared. */
export interface MachineSpec {
  readonly id: ContainerId;
  /** The container's name; the guest's hostname. */
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly env: Readonly<Record<string, string>>;
  readonly resources: Resources;
  readonly restartPolicy: string;
  /** The container's network interfaces as the API allocated them (addresses, MACs, VNIs). */
  readonly nics?: readonly AgentNic[];
  /** Set by the image hook: the image's read-only root filesystem and its config. */
  readonly rootfs?: { readonly path: string; readonly config: ImageRunConfig };
  /** Set by the network hook: one tap per interface, in guest order (eth0, eth1, ...). */
  readonly interfaces?: readonly MachineInterface[];
  /** Set by the network hook: the guest's /etc/hosts (its networks' containers by name). */
  readonly hostsFile?: string;
  /** The container's volumes as the API attached them (by slot). */
  readonly volumeMounts?: readonly AgentVolumeMount[];
  /** Set by the volume hook: each volume ready to open, with where the guest mounts it. */
  readonly volumes?: readonly MachineVolume[];
}

export interface MachineVolume {
  /** The virtio-blk serial the guest finds it by. */
  readonly serial: string;
  /** Absolute path inside the container. */
  readonly path: string;
  /** A raw image file on this host. */
  readonly file: string;
}

export interface MachineInterface {
  readonly tap: string;
  readonly mac: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly mtu: number;
}

export interface ExecRequest {
  readonly args: readonly string[];
  readonly env?: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly timeoutMs: number;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type MachineStatus =
  | { readonly state: 'absent' }
  | { readonly state: 'created' }
  | { readonly state: 'running'; readonly startedAt: Date }
  | {
      readonly state: 'stopped';
      readonly exitCode: number | null;
      readonly finishedAt: Date;
      /**
       * The end was not seen: the machine was found ended when the agent started (it died while no agent
       * watched), and `finishedAt` is only when it was found.
       */
      readonly endUnknown?: boolean;
    };

export interface LogLine {
  readonly at: Date;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface DriverCapabilities {
  readonly [key: string]: unknown;
  /** true for drivers that run nothing real (hollow); every output of theirs says so. */
  readonly simulation: boolean;
}

/** A machine that stopped by itself (its workload exited, or it crashed), as the driver saw it. */
export interface MachineExit {
  readonly id: ContainerId;
  readonly exitCode: number | null;
  readonly at: Date;
}

/** A fault that retrying will not mend (bad image, impossible spec). Other errors are retried. */
export class TerminalDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TerminalDriverError';
  }
}

/**
 * The only way the agent touches machines. Every method is idempotent: creating an existing machine,
 * starting a running one, stopping a stopped one or deleting an absent one succeeds and changes nothing.
 */
export interface Driver {
  readonly name: string;
  capabilities(): DriverCapabilities;
  /** Prepares the machine without starting it. */
  create(spec: MachineSpec): Promise<void>;
  /**
   * Starts the machine and says how (from a VM template, cold, or with a cold fallback after a template
   * did not restore; `simulated` for drivers that run nothing); null when it was already running.
   */
  start(id: ContainerId): Promise<StartPath | null>;
  /** Asks the workload to stop, and kills it when it has not stopped after `timeoutMs`. */
  stop(id: ContainerId, timeoutMs: number): Promise<void>;
  kill(id: ContainerId): Promise<void>;
  /** Removes the machine and everything it had on the host. */
  delete(id: ContainerId): Promise<void>;
  status(id: ContainerId): Promise<MachineStatus>;
  logs(id: ContainerId, opts?: { tail?: number }): Promise<LogLine[]>;
  /** Runs a process beside the workload of a running machine and collects its output. */
  exec(id: ContainerId, req: ExecRequest): Promise<ExecResult>;
  /**
   * Copies one of a running machine's disks (by serial) to `target` (qcow2) while the guest runs:
   * crash-consistent, as if the power were cut at that instant. false when the machine is not
   * running. Drivers without real disks (hollow) leave it out.
   */
  backupDisk?(id: ContainerId, serial: string, target: string): Promise<boolean>;
  /** Replaces a file inside a running machine (the agent keeps /etc/hosts current); a no-op when it is not running. */
  writeFile(id: ContainerId, path: string, content: string): Promise<void>;
  /** Ids of every machine this driver has on the host. */
  list(): Promise<ContainerId[]>;
  /** Called when a machine stops by itself (not when stop, kill or delete stopped it). */
  onExit(listener: (exit: MachineExit) => void): void;
  /** Called with each piece of workload output as it arrives. */
  onOutput(listener: (id: ContainerId, line: LogLine) => void): void;
  /** The host's VM templates, for its heartbeat. Drivers without templates (hollow) leave it out. */
  templateStatus?(): HostTemplateView[];
  /** Releases what the driver holds; machines are left as they are. */
  close(): Promise<void>;
}
