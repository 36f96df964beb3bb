import type { ContainerId } from '@berth/domain';
import type { MachineSpec } from '../drivers/driver';

/**
 * One step of bringing a container up on the host, run in a fixed order before the machine is
 * created (image, then volumes, then network) and in reverse after it is deleted. Both methods are
 * idempotent: a retried job runs them again.
 */
export interface ContainerHook {
  readonly name: string;
  prepare(spec: MachineSpec): Promise<void>;
  release(id: ContainerId): Promise<void>;
}

export const CONTAINER_HOOKS = Symbol('CONTAINER_HOOKS');
