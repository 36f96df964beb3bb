import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RegisterHostRequest } from '@berth/contracts';
import type { HostId } from '@berth/domain';
import { ApiClientService } from '../api-client/api-client.service';
import { ApiError } from '../api-client/api-error';
import { AGENT_CONFIG, DRIVER, VOLUME_BACKEND, type AgentConfig } from '../config.provider';
import type { VolumeBackend } from '../volumes/volume-backend';
import type { Driver } from '../drivers/driver';
import { HostIdentityStore } from '../state/host-identity.store';
import { RedisLoginStore } from '../state/redis-login.store';

export const AGENT_VERSION = '0.1.0';

/** Registration cannot succeed without the operator: retrying the same request would change nothing. */
export class RegistrationRefusedError extends Error {
  override readonly name = 'RegistrationRefusedError';
}

/** Whether a failed registration needs the operator rather than another try. */
export function registrationNeedsOperator(err: unknown): boolean {
  return err instanceof RegistrationRefusedError || (err instanceof ApiError && err.permanent);
}

/**
 * Makes sure the host is registered under its own identity. A host with an identity in its state dir
 * re-registers with its own host token (reporting its address and capacity as they are now); only a
 * host without one joins with the join token. The API lets a join token register new host names only,
 * so a host that lost its state dir gets its name back only when the operator re-admits it
 * (`berth admin hosts readmit NAME`) and this agent is given that re-admission token as its join token.
 */
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
    if (stored) {
      try {
        const res = await this.api.register(await this.report(), stored.token);
        // Every registration answers a fresh Redis login (the previous one stops working).
        await this.redisLogin.save(res.redis);
        // A token comes back only when the API issued a new one; the stored one stays valid otherwise.
        if (res.token) await this.identity.save(stored.hostId, res.token);
        this.log.log(`re-registered as ${stored.hostId} with its own host token`);
        return stored.hostId;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) throw err;
        this.log.warn('the stored host token was refused; joining with the join token');
      }
    }
    return this.join();
  }

  private async join(): Promise<HostId> {
    const joinToken = this.config.joinToken;
    if (joinToken === null) {
      throw new RegistrationRefusedError(
        'this host has no identity in its state dir and no BERTH_AGENT_JOIN_TOKEN to join with',
      );
    }
    try {
      const joinKey = await this.identity.joinKey();
      const res = await this.api.register({ ...(await this.report()), joinKey }, joinToken);
      if (!res.token) throw new Error('the API answered a join without a host token');
      await this.redisLogin.save(res.redis);
      await this.identity.save(res.hostId as HostId, res.token);
      this.log.log(`registered as ${res.hostId}, consuming ${res.queue}`);
      return res.hostId as HostId;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'host/name_taken') {
        this.log.error(
          `the name ${this.config.host.name} belongs to a registered host and this agent has no token for ` +
            `it: ask the operator to re-admit it (berth admin hosts readmit ${this.config.host.name}) ` +
            'and start this agent with that token as BERTH_AGENT_JOIN_TOKEN',
        );
      }
      throw err;
    }
  }

  private async report(): Promise<RegisterHostRequest> {
    return {
      name: this.config.host.name,
      address: this.config.host.address,
      capacity: { ...this.config.host.capacity, volumeGib: await this.volumes.capacityGib() },
      driver: this.driver.name,
      capabilities: this.driver.capabilities(),
      agentVersion: AGENT_VERSION,
    };
  }
}
