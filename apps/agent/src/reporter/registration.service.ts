import { Inject, Injectable, Logger } from '@nestjs/common';
import type { HostId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { ApiError } from '../api-client/api-error';
import { AGENT_CONFIG, DRIVER, VOLUME_BACKEND, type AgentConfig } from '../config.provider';
import type { VolumeBackend } from '../volumes/volume-backend';
import type { Driver } from '../drivers/driver';
import { HostIdentityStore } from '../state/host-identity.store';
import { RedisLoginStore } from '../state/redis-login.store';

export const AGENT_VERSION = '0.1.0';

/** Makes sure the host is registered and its stored token still works. */
@Injectable()
export class RegistrationService {
  private readonly log = new Logger(RegistrationService.name);

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly api: ApiClientService,
    private readonly identity: HostIdentityStore,
    @Inject(VOLUME_BACKEND) private readonly volumes: VolumeBackend,
    private readonly redisLogin: RedisLoginStore,
  ) {}

  async ensureRegistered(): Promise<HostId> {
    const stored = await this.identity.load();
    // A host without its Redis login (an agent older than Redis users) registers again to get one.
    if (stored && (await this.redisLogin.load())) {
      try {
        await this.api.heartbeat({
          at: new Date().toISOString(),
          machines: (await this.driver.list()).length,
        });
        return stored.hostId;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) throw err;
        this.log.warn('stored host token was refused; registering again');
      }
    }
    return this.register();
  }

  async register(): Promise<HostId> {
    const res = await this.api.register({
      name: this.config.host.name,
      address: this.config.host.address,
      capacity: { ...this.config.host.capacity, volumeGib: await this.volumes.capacityGib() },
      driver: this.driver.name,
      capabilities: this.driver.capabilities(),
      agentVersion: AGENT_VERSION,
    });
    await this.redisLogin.save(res.redis);
    await this.identity.save(res.hostId as HostId, res.token);
    this.log.log(`registered as ${res.hostId}, consuming ${res.queue}`);
    return res.hostId as HostId;
  }
}
