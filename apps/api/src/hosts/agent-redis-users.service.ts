import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AgentRedisLogin } from '@berth/contracts';
import { AgentRedisUserEntity } from '@berth/db';
import type { HostId } from '@berth/domain';
import { agentRedisKeyPatterns, agentRedisUsername } from '@berth/queue';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { AgentQueuesService } from '../queue/agent-queues.service';

/**
 * What an agent's Redis user may run, applied left to right. BullMQ's worker needs reads and writes on
 * lists, sorted sets, hashes, strings and streams, blocking pops, MULTI, EVAL/EVALSHA (its Lua scripts,
 * whose every call Redis checks against these same rules and key patterns), CLIENT SETNAME and INFO (the
 * version check). Then everything that reaches beyond the user's own keys or the server is taken away:
 * @dangerous (KEYS, FLUSHALL, CONFIG, SORT with BY/GET, CLIENT LIST/KILL, MONITOR, ...), @admin, pub/sub
 * (no channel is granted either), key enumeration that ignores key patterns (SCAN, RANDOMKEY, DBSIZE), and
 * the server-wide script state (FUNCTION, FCALL, SCRIPT FLUSH/KILL).
 */
export const AGENT_REDIS_COMMAND_RULES: readonly string[] = [
  '-@all',
  '+@read',
  '+@write',
  '+@blocking',
  '+@transaction',
  '+@scripting',
  '+@connection',
  '-@dangerous',
  '-@admin',
  '-@pubsub',
  '-scan',
  '-randomkey',
  '-dbsize',
  '-function',
  '-fcall',
  '-fcall_ro',
  '-script|flush',
  '-script|kill',
  '+info',
];

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Each host's own Redis user (Redis ACLs): it reaches its own queue and log streams only, so a host can
 * neither read nor delete another host's jobs. Postgres keeps each user's password as a SHA-256 hash, so
 * the users can be made again whenever Redis lost them (a restart without a saved ACL file): at start
 * and on every reconciler tick. The API's own connection keeps the operator's user, which must be allowed
 * ACL SETUSER and CLIENT KILL.
 */
@Injectable()
export class AgentRedisUsersService implements OnApplicationBootstrap {
  private readonly log = new Logger(AgentRedisUsersService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /**
   * A new login for the host, in the registration's transaction: the hash is stored and the user made
   * (or its password replaced) in Redis, and connections made with the old password are closed, so a
   * previous holder of the host's identity loses its queue too. Redis failing fails the registration.
   */
  async issue(em: EntityManager, hostId: HostId): Promise<AgentRedisLogin> {
    const password = randomBytes(32).toString('base64url');
    const row = em.create(AgentRedisUserEntity, {
      hostId,
      username: agentRedisUsername(hostId),
      passwordSha256: sha256Hex(password),
      issuedAt: new Date(),
    });
    await em.save(row);
    await this.apply(row);
    await this.queues.connection.call('CLIENT', 'KILL', 'USER', row.username);
    return { username: row.username, password };
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      // Every user, not only missing ones: a newer berth may grant different rules.
      await this.restore({ all: true });
    } catch (err) {
      this.log.warn(`could not make the hosts' Redis users yet; the reconciler will: ${String(err)}`);
    }
  }

  /**
   * Makes again, from Postgres, every host user that Redis does not have (or every one, with `all`).
   * Idempotent. Returns the hosts whose users were made.
   */
  async restore(opts: { all?: boolean } = {}): Promise<HostId[]> {
    const rows = await this.ds.manager.find(AgentRedisUserEntity, { order: { hostId: 'ASC' } });
    if (rows.length === 0) return [];
    const present = opts.all
      ? new Set<string>()
      : new Set((await this.queues.connection.call('ACL', 'USERS')) as string[]);
    const missing = rows.filter((r) => !present.has(r.username));
    for (const row of missing) await this.apply(row);
    if (missing.length > 0 && !opts.all) {
      this.log.warn(`made the Redis users of ${missing.length} host(s) again (Redis had lost them)`);
    }
    return missing.map((r) => r.hostId);
  }

  /** ACL SETUSER from scratch (`reset`): the stored hash, the host's key patterns, the command rules. */
  private async apply(row: AgentRedisUserEntity): Promise<void> {
    await this.queues.connection.call(
      'ACL',
      'SETUSER',
      row.username,
      'reset',
      'on',
      `#${row.passwordSha256}`,
      ...agentRedisKeyPatterns(this.config.queuePrefix, row.hostId).map((p) => `~${p}`),
      'resetchannels',
      ...AGENT_REDIS_COMMAND_RULES,
    );
  }
}
