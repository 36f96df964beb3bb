import { Inject, Injectable } from '@nestjs/common';
import * as path from 'node:path';
import type { AgentRedisLogin } from '@berth/contracts';
import { writeStateFile } from '../drivers/state-files';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';

interface StoredLogin extends AgentRedisLogin {
  readonly apiUrl: string;
}

/**
 * The host's own Redis login, issued by every registration (start-up registers before it connects, so
 * the login in use is always the one just issued). Also written beside the host token in the state dir
 * (mode 600), where it is no more exposed than that token, which can get a new login at any time: it
 * lets an operator (and the tests) act in Redis as this host.
 */
@Injectable()
export class RedisLoginStore {
  private current: StoredLogin | null = null;

  constructor(@Inject(AGENT_CONFIG) private readonly config: AgentConfig) {}

  private get file(): string {
    return path.join(this.config.stateDir, 'redis.json');
  }

  async save(login: AgentRedisLogin): Promise<void> {
    const next: StoredLogin = {
      username: login.username,
      password: login.password,
      apiUrl: this.config.apiUrl,
    };
    await writeStateFile(this.file, JSON.stringify(next), { dirMode: 0o700, fileMode: 0o600 });
    this.current = next;
  }

  login(): AgentRedisLogin {
    if (!this.current) throw new Error('the host has no Redis login yet (it is not registered)');
    return this.current;
  }
}
