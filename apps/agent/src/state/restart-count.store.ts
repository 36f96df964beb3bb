import { Inject, Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ContainerId } from '@berth/domain';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';
import { removeStateFile, writeStateFile } from '../drivers/state-files';

/**
 * How many times the restart policy has restarted each container since its last user start, kept in
 * the state dir: an agent that restarts carries on counting, so `on-failure:N` still stops after N
 * restarts (and the backoff keeps growing) across agent restarts. A missing or unreadable file is 0.
 */
@Injectable()
export class RestartCountStore {
  constructor(@Inject(AGENT_CONFIG) private readonly config: AgentConfig) {}

  async get(id: ContainerId): Promise<number> {
    try {
      const stored = JSON.parse(await readFile(this.file(id), 'utf8')) as { count?: unknown };
      return typeof stored.count === 'number' && Number.isInteger(stored.count) && stored.count >= 0
        ? stored.count
        : 0;
    } catch {
      return 0;
    }
  }

  set(id: ContainerId, count: number): Promise<void> {
    return writeStateFile(this.file(id), JSON.stringify({ count }));
  }

  /** A user start, restart or delete begins the count again. */
  reset(id: ContainerId): Promise<void> {
    return removeStateFile(this.file(id));
  }

  private file(id: ContainerId): string {
    return path.join(this.config.stateDir, 'restarts', `${id}.json`);
  }
}
