import type { ContainerId, OperationId, TenantId } from '@berth/domain';
import type { MachineSpec } from '../drivers/driver';

/** Who the work is for and which operation to report progress on. */
export interface HookContext {
  readonly tenantId: TenantId;
  readonly operationId?: OperationId;
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
