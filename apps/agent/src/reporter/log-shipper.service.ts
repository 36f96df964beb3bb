import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { ContainerId } from '@berth/domain';
import { LOG_STREAM_MAX_LEN, logStreamKey } from '@berth/queue';
import { AGENT_CONFIG, DRIVER, type AgentConfig } from '../config.provider';
import type { Driver, LogLine } from '../drivers/driver';

/**
 * Ships each line of workload output to the container's Redis stream, where the API reads it for
 * `logs` and `logs -f`. The driver keeps the complete log on the host; the stream keeps the latest
 * lines only. A line that cannot be shipped (Redis down) is still in the host's file.
 */
@Injectable()
export class LogShipperService implements OnModuleDestroy {
  private readonly log = new Logger(LogShipperService.name);
  private readonly redis: Redis;
  private warned = false;
  /** The last shipment in flight per container: flush() waits for it (Redis keeps one connection's order). */
  private readonly inFlight = new Map<ContainerId, Promise<void>>();

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(DRIVER) private readonly driver: Driver,
  ) {
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  listen(): void {
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
    const shipped = this.redis
      .xadd(
        logStreamKey(this.config.queuePrefix, id),
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
    this.redis.disconnect();
  }
}
