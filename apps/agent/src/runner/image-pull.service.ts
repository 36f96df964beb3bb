import { Inject, Injectable } from '@nestjs/common';
import type { ImageJob } from '@berth/queue';
import { ApiClientService } from '../api-client/api-client.service';
import { IMAGE_STORE } from '../config.provider';
import { faultOf } from '../agent-fault';
import type { ImageStore } from '../drivers/images';
import { ProgressReporter } from '../reporter/progress-reporter';

/**
 * `image.pull`: pulls a tenant's image into this host's cache and tells the API what it found.
 * Image errors that a retry would meet again are reported; the rest are thrown for BullMQ to retry.
 */
@Injectable()
export class ImagePullService {
  constructor(
    @Inject(IMAGE_STORE) private readonly store: ImageStore,
    private readonly api: ApiClientService,
  ) {}

  async pull(job: ImageJob, lastAttempt: boolean): Promise<void> {
    // The claim marks the pull begun ("resolving") and answers the image with its registry login.
    const work = await this.api.claim(job.operationId, { at: new Date().toISOString() });
    if (work.kind !== 'image')
      throw new Error(`image.pull ${job.operationId} was answered ${work.kind} work`);
    const progress = new ProgressReporter(this.api, job.operationId);
    try {
      const creds = work.registryCredentials ?? undefined;
      const image = await this.store.ensure(work.image.reference, creds, (p) => progress.update(p));
      await progress.flush();
      await this.api.result(job.operationId, {
        type: 'image',
        digest: image.digest,
        sizeBytes: image.sizeBytes,
        config: { ...image.config },
      });
    } catch (err) {
      await progress.flush();
      const fault = faultOf(err, 'image/pull_failed');
      if (!fault.terminal && !lastAttempt) throw err;
      await this.api.result(job.operationId, { type: 'failure', error: fault.report });
    }
  }
}
