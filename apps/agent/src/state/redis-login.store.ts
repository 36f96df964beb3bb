import { Inject, Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { AgentRedisLogin } from '@berth/contracts';
import { writeStateFile } from '../drivers/state-files';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';

interface StoredLogin extends AgentRedisLogin {
  readonly apiUrl: string;
}

/**
 * The host's own Redis login, issued at registration, kept beside the host token in the state dir
 * (mode 600) so that a restarted agent connects as itself. Without it the agent registers again.
 */
@Injectable()
export class RedisLoginStore {
  private current: StoredLogin | null = null;

  constructor(@Inject(AGENT_CONFIG) private readonly config: AgentConfig) {}

  private get file(): string {
    return path.join(this.config.stateDir, 'redis.json');
  }

  async load(): Promise<AgentRedisLogin | null> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as StoredLogin;
      const complete = typeof parsed.username === 'string' && typeof parsed.password === 'string';
      this.current = complete && parsed.apiUrl === this.config.apiUrl ? parsed : null;
    } catch {
      this.current = null;
    }
    return this.current;
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
