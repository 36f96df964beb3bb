import type { AgentDataplane, RegistryCredentials } from '@berth/contracts';
import type { ContainerId, OperationId, TenantId } from '@berth/domain';
import type { MachineSpec } from '../drivers/driver';

/**
 * Who the work is for, which operation to report progress on, and what the job's claim answered for
 * the hooks (read by the API in one snapshot): the image's registry login and this host's data plane.
 */
export interface HookContext {
  readonly tenantId: TenantId;
  readonly operationId?: OperationId;
  readonly registryCredentials: RegistryCredentials | null;
  readonly dataplane: AgentDataplane | null;
}

/**
 * One step of bringing a container up on the host, run in a fixed order before the machine is
 * created (image, then volumes, then network) and in reverse after it is deleted. Both methods are
 * idempotent: a retried job runs them again.
 */
export interface ContainerHook {
  readonly name: string;
  /** Returns what it adds to the machine spec (the image's root filesystem, disks, network). */
  prepare(spec: MachineSpec, ctx: HookContext): Promise<Partial<MachineSpec>>;
  release(id: ContainerId): Promise<void>;
}

export const CONTAINER_HOOKS = Symbol('CONTAINER_HOOKS');
