import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CreatedJoinTokenView, JoinTokenView, Page } from '@berth/contracts';
import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  HostRepository,
  JoinTokenEntity,
  JoinTokenRepository,
  pageBy,
  pageOf,
  recordLastUse,
} from '@berth/db';
import { DomainError, newId, type HostId, type JoinTokenId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import type { JoinPrincipal } from '../auth/principal';
import { hashToken, sameSecret, verifyAndUpgrade } from '../auth/secret-hasher';
import { issueToken, parseToken } from '../auth/tokens';
import { joinTokenView } from './join-token.view';

/**
 * How long an expired token stays listed before the reaper deletes it: long enough for an operator to see
 * that a token they handed out has expired (and when), short enough that the table holds live tokens only.
 */
export const EXPIRED_JOIN_TOKEN_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * Join tokens: what an agent presents to register a host, modelled on kubeadm's bootstrap tokens.
 *
 * - The operator makes them (`POST /v1/admin/join-tokens`, `berth admin join-tokens create`), each with
 *   an expiry (default 24 h, at most a year) and a description, and sees the secret once. Lists show the
 *   prefix, the expiry and the last use; deleting one stops it at once. Rotation is: make a new one, hand
 *   it to whatever provisions hosts, delete the old one. Only a hash of the secret is stored
 *   (secret-hasher.ts: berth's own 192-bit random secrets need no slow hash).
 * - `BERTH_AGENT_JOIN_TOKEN` stays as the bootstrap token (so that the first host can join before anyone
 *   has called the API), optionally with its own expiry (`BERTH_AGENT_JOIN_TOKEN_EXPIRES_AT`); an
 *   operator who has moved to API-made tokens removes it or lets it expire.
 * - Any join token registers NEW host names only (hosts.service.ts). A host that exists re-registers
 *   with its own host token. When a host has lost that token (its state dir was wiped, its disk
 *   replaced), only the operator can let it back: `POST /v1/admin/hosts/:ref/readmit` makes a
 *   re-admission token, a join token bound to that one host, valid for an hour by default and used
 *   once, that the operator gives to the host's agent as its join token. Using it gives the host a new
 *   host token and retires the old one; until then the old one keeps working, so asking for a
 *   re-admission disturbs nothing. We chose a bound one-time token over "let the next join of that name
 *   in": that window would be open to anyone holding the fleet's join token, which is exactly the
 *   takeover this guards against. A newer re-admission token for a host replaces older ones.
 */
@Injectable()
export class JoinTokensService {
  private readonly log = new Logger(JoinTokensService.name);

  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** A join token for new hosts; `token` is in this answer only. */
  async create(opts: { ttlSeconds?: number; description?: string }): Promise<CreatedJoinTokenView> {
    const ttl = opts.ttlSeconds ?? this.config.joinTokenTtlS;
    const created = await this.insert(this.ds.manager, opts.description ?? '', null, ttl);
    this.log.log(`join token ${created.prefix} (${created.id}) made, expires ${created.expiresAt}`);
    return created;
  }

  /**
   * A one-time token that registers the host `ref` (its id or name) again, for a host that lost its
   * own token. Replaces any earlier re-admission token of that host.
   */
  async readmit(ref: string, opts: { ttlSeconds?: number }): Promise<CreatedJoinTokenView> {
    const ttl = opts.ttlSeconds ?? this.config.readmitTokenTtlS;
    return this.ds.transaction(async (em) => {
      const host = await new HostRepository(em).lockByRef(ref);
      if (!host) throw new DomainError('host/not_found', `host ${ref} does not exist`);
      await em.delete(JoinTokenEntity, { hostId: host.id });
      const created = await this.insert(em, `re-admission of host ${host.name}`, host.id, ttl);
      this.log.warn(
        `re-admission token ${created.prefix} made for host ${host.name} (${host.id}), expires ${created.expiresAt}`,
      );
      return created;
    });
  }

  async list(limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<JoinTokenView>> {
    const after = decodeCursor(cursor);
    const page = await pageBy(this.ds.manager.createQueryBuilder(JoinTokenEntity, 't'), 't.id', {
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(page, joinTokenView, (t) => t.id);
  }

  /** Deletes a join or re-admission token: it stops working at once. */
  async remove(id: string): Promise<void> {
    const res = await this.ds.manager.delete(JoinTokenEntity, { id });
    if (!res.affected) throw new DomainError('join_token/not_found', `join token ${id} does not exist`);
    this.log.log(`join token ${id} deleted`);
  }

  /**
   * Deletes tokens that expired more than EXPIRED_JOIN_TOKEN_KEPT_MS before `now` (join and re-admission
   * tokens alike): they can register nothing, and an expired hash is still a hash worth not keeping.
   * Run on the control queue's housekeeping schedule. Returns how many went.
   */
  async reapExpired(now = new Date()): Promise<number> {
    const deleted = await new JoinTokenRepository(this.ds.manager).deleteExpiredBefore(
      new Date(now.getTime() - EXPIRED_JOIN_TOKEN_KEPT_MS),
    );
    if (deleted > 0) this.log.log(`${deleted} expired join token(s) deleted`);
    return deleted;
  }

  /**
   * The principal for a join token presented as a bearer token, or null when it is not one (unknown,
   * deleted, wrong secret). An expired token is a coded 401 that says so: its holder proved they have
   * the secret, so telling them it expired reveals nothing.
   */
  async verify(token: string, now = new Date()): Promise<JoinPrincipal | null> {
    const bootstrap = this.config.agentJoinToken;
    if (bootstrap !== null && sameSecret(token, bootstrap)) {
      const expiresAt = this.config.agentJoinTokenExpiresAt;
      if (expiresAt && expiresAt <= now) {
        throw new DomainError(
          'auth/token_expired',
          `the bootstrap join token (BERTH_AGENT_JOIN_TOKEN) expired at ${expiresAt.toISOString()}; ` +
            'ask the operator for a join token (berth admin join-tokens create)',
        );
      }
      return { kind: 'agent-join', joinTokenId: null, readmitHostId: null };
    }
    const parsed = parseToken('bj', token);
    if (!parsed) return null;
    const row = await this.ds.manager.findOne(JoinTokenEntity, { where: { prefix: parsed.prefix } });
    if (!row) return null;
    const valid = await verifyAndUpgrade(parsed.secret, row.secretHash, (upgraded) =>
      this.ds.manager.update(
        JoinTokenEntity,
        { id: row.id, secretHash: row.secretHash },
        { secretHash: upgraded },
      ),
    );
    if (!valid) return null;
    if (row.expiresAt <= now) {
      throw new DomainError(
        'auth/token_expired',
        `join token ${row.prefix} expired at ${row.expiresAt.toISOString()}; ` +
          'ask the operator for a new one (berth admin join-tokens create)',
      );
    }
    await recordLastUse(this.ds.manager, JoinTokenEntity, row, now);
    return { kind: 'agent-join', joinTokenId: row.id, readmitHostId: row.hostId };
  }

  /**
   * Spends a re-admission token inside the registration's transaction, so that it registers its host
   * once: of two agents racing with it, the second finds it gone and is refused.
   */
  async consume(em: EntityManager, id: JoinTokenId, hostId: HostId): Promise<void> {
    if (!(await new JoinTokenRepository(em).spend(id, hostId))) {
      throw new DomainError(
        'auth/unauthenticated',
        'this re-admission token was already used, replaced or deleted; ask the operator for a new one',
      );
    }
  }

  private async insert(
    em: EntityManager,
    description: string,
    hostId: HostId | null,
    ttlSeconds: number,
  ): Promise<CreatedJoinTokenView> {
    const issued = issueToken('bj');
    const now = new Date();
    const row = em.create(JoinTokenEntity, {
      id: newId('jtk'),
      prefix: issued.prefix,
      secretHash: hashToken(issued.secret),
      description,
      hostId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      lastUsedAt: null,
    });
    const saved = await em.save(row);
    return { ...joinTokenView(saved), token: issued.token };
  }
}
