import { Inject, Injectable } from '@nestjs/common';
import { ApiClientService } from '../api-client/api-client.service';
import type { ImageRunConfig, MachineSpec } from '../drivers/driver';
import { IMAGE_STORE } from '../config.provider';
import type { ImageConfig, ImageStore } from '../drivers/images';
import { ProgressReporter } from '../reporter/progress-reporter';
import type { ContainerHook, HookContext } from './container-hook';

export function runConfigOf(c: ImageConfig): ImageRunConfig {
  return {
    entrypoint: c.entrypoint,
    cmd: c.cmd,
    env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    workdir: c.workdir,
    user: c.user,
  };
}

/**
 * First hook: makes sure the container's image is on this host (pulling it with the tenant's registry
 * login from the job's claim when it has one; a download's outcome is reported once as the operation's
 * progress) and hands the driver its root filesystem. The cache is shared by digest, so release leaves
 * it alone.
 */
@Injectable()
export class ImageHook implements ContainerHook {
  readonly name = 'image';

  constructor(
    @Inject(IMAGE_STORE) private readonly store: ImageStore,
    private readonly api: ApiClientService,
  ) {}

  async prepare(spec: MachineSpec, ctx: HookContext): Promise<Partial<MachineSpec>> {
    const creds = ctx.registryCredentials ?? undefined;
    const progress = ctx.operationId
      ? new ProgressReporter(this.api, ctx.operationId, { live: false })
      : null;
    let downloaded = false;
    const image = await this.store.ensure(spec.image, creds, (p) => {
      if (p.phase === 'downloading') downloaded = true;
      progress?.update(p);
    });
    // A launch reports its pull once, at the end, and only when it downloaded: a cached image costs no call.
    if (downloaded) await progress?.flush();
    return { rootfs: { path: image.rootfsPath, config: runConfigOf(image.config) } };
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}
