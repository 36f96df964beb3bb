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

  private ship(id: ContainerId, line: LogLine): void {
    this.redis
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
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
