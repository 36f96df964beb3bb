import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostId } from '@berth/domain';
import { removeStateFile, writeStateFile } from '../drivers/state-files';
import { AGENT_CONFIG, type AgentConfig } from '../config.provider';

interface StoredIdentity {
  readonly hostId: HostId;
  readonly token: string;
  readonly apiUrl: string;
}

/**
 * The host's id and token, kept in the state dir (mode 600) so that a restarted agent is the same
 * host: it re-registers with this token. Only a host with no identity joins with a join token; one whose
 * identity was lost needs the operator to re-admit it (a join token never takes a registered name).
 */
@Injectable()
export class HostIdentityStore {
  private current: StoredIdentity | null = null;

  constructor(@Inject(AGENT_CONFIG) private readonly config: AgentConfig) {}

  private get file(): string {
    return path.join(this.config.stateDir, 'host.json');
  }

  private get joinKeyFile(): string {
    return path.join(this.config.stateDir, 'join-key');
  }

  /**
   * The key this host joins with (RegisterHostRequest.joinKey), made and kept in the state dir before
   * the first join is sent: when the answer to a join is lost (a timeout while the API registered the
   * host), the join is repeated with the same key and the API answers it again, so a retry never leaves
   * the name registered without its token. Forgotten once the identity is saved.
   */
  async joinKey(): Promise<string> {
    try {
      const kept = (await readFile(this.joinKeyFile, 'utf8')).trim();
      if (/^[A-Za-z0-9_-]{43}$/.test(kept)) return kept;
    } catch {
      // none yet: made below
    }
    const key = randomBytes(32).toString('base64url');
    await writeStateFile(this.joinKeyFile, key, { dirMode: 0o700, fileMode: 0o600 });
    return key;
  }

  async load(): Promise<StoredIdentity | null> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as StoredIdentity;
      this.current = parsed.apiUrl === this.config.apiUrl ? parsed : null;
    } catch {
      this.current = null;
    }
    return this.current;
  }

  async save(hostId: HostId, token: string): Promise<void> {
    this.current = { hostId, token, apiUrl: this.config.apiUrl };
    await writeStateFile(this.file, JSON.stringify(this.current), { dirMode: 0o700, fileMode: 0o600 });
    await removeStateFile(this.joinKeyFile);
  }

  hostId(): HostId {
    if (!this.current) throw new Error('the host is not registered yet');
    return this.current.hostId;
  }

  token(): string {
    if (!this.current) throw new Error('the host is not registered yet');
    return this.current.token;
  }
}
