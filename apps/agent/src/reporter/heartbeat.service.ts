import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiClientService } from '../api-client/api-client.service';
import { ApiError } from '../api-client/api-error';
import { AGENT_CONFIG, DRIVER, VOLUME_BACKEND, type AgentConfig } from '../config.provider';
import type { VolumeBackend } from '../volumes/volume-backend';
import type { Driver } from '../drivers/driver';
import { VouchStore } from '../state/vouch.store';
import { heartbeatTemplates } from './host-templates';

/** Tells the API every few seconds that the host is alive, with the host's own clock. */
@Injectable()
export class HeartbeatService {
  private readonly log = new Logger(HeartbeatService.name);
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** The last loss this agent has resynced after (said in every heartbeat, so the API stops asking). */
  private resyncedEpoch = 0;
  /** The resync a heartbeat started, until it ends. */
  private resyncing: Promise<void> | null = null;

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    @Inject(VOLUME_BACKEND) private readonly volumes: VolumeBackend,
    private readonly vouch: VouchStore,
  ) {}

  /**
   * `onTokenRefused` runs once the API refuses the host token (voided by a rotation or a re-admission).
   * The agent must then stop rather than register again in place: a registration issues a new Redis
   * login and closes the old one's connections, which the running queue worker and log shipper could
   * not follow; start-up registers first and connects after.
   */
  start(onTokenRefused: () => void, onLost: () => Promise<void>): void {
    this.timer = setInterval(() => {
      if (!this.inFlight) {
        this.inFlight = this.beat(onTokenRefused, onLost).finally(() => (this.inFlight = null));
      }
    }, this.config.heartbeatIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /**
   * `onLost` runs when the API says the host was lost and this agent has not resynced since: the agent
   * must stop what it may no longer run before it reports anything. It is not awaited: heartbeats go on
   * meanwhile, and once it resolves they say the loss it answered (`resyncedEpoch`). The API asks again
   * in every heartbeat until then, so an answer lost on the way costs one heartbeat's delay, not the
   * resync; a loss declared during a resync is answered by the next one.
   */
  private async beat(onTokenRefused: () => void, onLost: () => Promise<void>): Promise<void> {
    try {
      const at = new Date();
      const res = await this.api.heartbeat({
        at: at.toISOString(),
        machines: (await this.driver.list()).length,
        volumeGib: await this.volumes.capacityGib(),
        // The host's VM templates, so that GET /v1/admin/hosts shows them; none for drivers without.
        templates: heartbeatTemplates(this.driver.templateStatus?.() ?? []),
        resyncedEpoch: this.resyncedEpoch,
      });
      // Vouched for up to here: a machine found ended after an agent restart is billed no further.
      await this.vouch
        .record(at)
        .catch((err: unknown) => this.log.warn(`could not record the heartbeat: ${String(err)}`));
      if (res.resync && !this.resyncing) {
        // An API from before loss epochs answers none: it says `resync` once, and 0 acknowledges nothing.
        const epoch = res.lossEpoch ?? 0;
        this.log.warn('the API had this host lost: resyncing before anything else is reported');
        this.resyncing = onLost()
          .then(() => void (this.resyncedEpoch = Math.max(this.resyncedEpoch, epoch)))
          .finally(() => (this.resyncing = null));
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.log.error('the API refused this host token; stopping (start the agent again to re-register)');
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        onTokenRefused();
        return;
      }
      this.log.warn(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
