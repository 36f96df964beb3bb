import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ContainerId, HostId } from '@berth/domain';
import { LOG_STREAM_MAX_LEN, logStreamKey } from '@berth/queue';
import { AGENT_CONFIG, DRIVER, type AgentConfig } from '../config.provider';
import type { Driver, LogLine } from '../drivers/driver';
import { AgentRedis } from '../state/agent-redis';

/**
 * Ships each line of workload output to the container's Redis stream, where the API reads it for
 * `logs` and `logs -f`. The driver keeps the complete log on the host; the stream keeps the latest
 * lines only. A line that cannot be shipped (Redis down) is still in the host's file.
 */
@Injectable()
export class LogShipperService implements OnModuleDestroy {
  private readonly log = new Logger(LogShipperService.name);
  private redis: Redis | null = null;
  private hostId: HostId | null = null;
  private warned = false;
  /** The last shipment in flight per container: flush() waits for it (Redis keeps one connection's order). */
  private readonly inFlight = new Map<ContainerId, Promise<void>>();

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(DRIVER) private readonly driver: Driver,
    private readonly agentRedis: AgentRedis,
  ) {}

  /** After registration: the streams are keyed by host, and written as the host's own Redis user. */
  listen(hostId: HostId): void {
    this.hostId = hostId;
    this.redis = this.agentRedis.connect({ maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
    this.driver.onOutput((id, line) => this.ship(id, line));
  }

  /**
   * Resolves once every line received so far for `id` has reached Redis. Reports of a stop or an exit
   * wait for it, so that whoever sees the new state also sees the last lines (a "bye" before exit).
   */
  async flush(id: ContainerId): Promise<void> {
    await this.inFlight.get(id);
  }

  private ship(id: ContainerId, line: LogLine): void {
    if (!this.redis || !this.hostId) return;
    const shipped = this.redis
      .xadd(
        logStreamKey(this.config.queuePrefix, this.hostId, id),
        'MAXLEN',
        '~',
        LOG_STREAM_MAX_LEN,
        '*',
        't',
        String(line.at.getTime()),
        's',
        line.stream === 'stderr' ? 'e' : 'o',
        'd',
        line.text,
      )
      .then(
        () => (this.warned = false),
        (err: unknown) => {
          if (!this.warned) this.log.warn(`could not ship logs of ${id}: ${String(err)}`);
          this.warned = true;
        },
      );
    const entry = shipped.then(() => {
      if (this.inFlight.get(id) === entry) this.inFlight.delete(id);
    });
    this.inFlight.set(id, entry);
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
