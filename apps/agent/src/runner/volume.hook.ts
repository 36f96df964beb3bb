import { Inject, Injectable } from '@nestjs/common';
import { VOLUME_BACKEND } from '../config.provider';
import type { MachineSpec } from '../drivers/driver';
import type { VolumeBackend } from '../volumes/volume-backend';
import type { ContainerHook } from './container-hook';

/**
 * Second hook: makes each of the container's volumes ready on this host (a volume's first use creates
 * and formats it) and hands the driver the disks to attach. Volumes outlive containers, so release
 * leaves them alone; deleting a volume is its own job.
 */
@Injectable()
export class VolumeHook implements ContainerHook {
  readonly name = 'volumes';

  constructor(@Inject(VOLUME_BACKEND) private readonly backend: VolumeBackend) {}

  async prepare(spec: MachineSpec): Promise<Partial<MachineSpec>> {
    const mounts = spec.volumeMounts ?? [];
    if (mounts.length === 0) return { volumes: [] };
    const volumes = [];
    for (const m of mounts) {
      const drive = await this.backend.prepare({ id: m.volumeId, sizeGib: m.sizeGib });
      volumes.push({ serial: m.serial, path: m.path, file: drive.path });
    }
    return { volumes };
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}
