import { Inject, Injectable } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';
import { RedisLoginStore } from './redis-login.store';

/**
 * Opens the agent's Redis connections as the host's own Redis user. REDIS_URL only says where Redis is:
 * any user or password in it is dropped (ioredis would let the URL's win over the options), so an agent
 * never connects with the operator's credentials even if it was handed them.
 */
@Injectable()
export class AgentRedis {
  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    private readonly login: RedisLoginStore,
  ) {}

  /** Call after registration: the connection keeps that login (a later registration restarts the agent). */
  connect(options: RedisOptions): Redis {
    const address = new URL(this.config.redisUrl);
    address.username = '';
    address.password = '';
    const { username, password } = this.login.login();
    return new Redis(address.toString(), { ...options, username, password });
  }
}
