import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';
import { writeStateFile } from '../drivers/state-files';

/**
 * The last moment this host vouched for its machines: the host time of its last heartbeat the API
 * took, kept in the state dir (issue 16: only vouched seconds are billed). A machine found ended, or
 * gone, when the agent starts again ended at a moment nobody saw; the report dates it no later than
 * the last heartbeat of the agent before (`previousRun`), not at this agent's start. Read once, before
 * this agent's own heartbeats overwrite it. A missing or unreadable file is null (nothing vouched).
 */
@Injectable()
export class VouchStore implements OnModuleInit {
  private previous: Date | null = null;

  constructor(@Inject(AGENT_CONFIG) private readonly config: AgentConfig) {}

  async onModuleInit(): Promise<void> {
    this.previous = await this.read();
  }

  /** The last heartbeat of the agent that ran before this one (null: none recorded). */
  get previousRun(): Date | null {
    return this.previous;
  }

  /** Records a heartbeat the API took, sent at `at` by this host's clock. */
  record(at: Date): Promise<void> {
    return writeStateFile(this.file(), JSON.stringify({ at: at.toISOString() }));
  }

  private async read(): Promise<Date | null> {
    try {
      const { at } = JSON.parse(await readFile(this.file(), 'utf8')) as { at?: unknown };
      const parsed = typeof at === 'string' ? new Date(at) : null;
      return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
    } catch {
      return null;
    }
  }

  private file(): string {
    return path.join(this.config.stateDir, 'vouched-until.json');
  }
}
