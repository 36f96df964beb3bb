import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiClientService } from '../api-client/api-client.service';
import { ApiError } from '../api-client/api-error';
import { AGENT_CONFIG, DRIVER, VOLUME_BACKEND, type AgentConfig } from '../config.provider';
import type { VolumeBackend } from '../volumes/volume-backend';
import type { Driver } from '../drivers/driver';
import { RegistrationService } from './registration.service';

/** Tells the API every few seconds that the host is alive, with the host's own clock. */
@Injectable()
export class HeartbeatService {
  private readonly log = new Logger(HeartbeatService.name);
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly registration: RegistrationService,
    @Inject(VOLUME_BACKEND) private readonly volumes: VolumeBackend,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.inFlight) this.inFlight = this.beat().finally(() => (this.inFlight = null));
    }, this.config.heartbeatIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private async beat(): Promise<void> {
    try {
      await this.api.heartbeat({
        at: new Date().toISOString(),
        machines: (await this.driver.list()).length,
        volumeGib: await this.volumes.capacityGib(),
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.log.warn('host token refused; registering again');
        await this.registration
          .ensureRegistered()
          .catch((e: unknown) => this.log.error(`register failed: ${String(e)}`));
        return;
      }
      this.log.warn(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
