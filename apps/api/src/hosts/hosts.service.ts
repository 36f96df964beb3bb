import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  HeartbeatRequest,
  HeartbeatResponse,
  HostTemplateView,
  HostView,
  Page,
  RegisterHostRequest,
  RegisterHostResponse,
} from '@berth/contracts';
import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  HostEntity,
  HostRepository,
  HostReservationRepository,
  inTransaction,
  pageBy,
  pageOf,
} from '@berth/db';
import { DomainError, HOST_STATES, newId, transitionHost, type HostId, type HostState } from '@berth/domain';
import { agentQueueName } from '@berth/queue';
import type { JoinPrincipal, RegistrantPrincipal } from '../auth/principal';
import { hashToken, verifyToken } from '../auth/secret-hasher';
import { issueToken } from '../auth/tokens';
import { onUniqueViolation } from '../common/unique-violation';
import { AgentRedisUsersService } from './agent-redis-users.service';
import { JoinTokensService } from './join-tokens.service';
import { hostView } from './host.view';

/** What a heartbeat makes of each host state (HOST_TRANSITIONS), for the one-statement update. */
const HEARTBEAT_NEXT = Object.fromEntries(
  HOST_STATES.map((s) => [s, transitionHost(s, 'heartbeat')]),
) as Record<HostState, HostState>;

/** Hosts as agents register them and keep them alive. */
@Injectable()
export class HostsService {
  private readonly log = new Logger(HostsService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly joinTokens: JoinTokensService,
    private readonly redisUsers: AgentRedisUsersService,
  ) {}

  /**
   * Registers a host. Who may do what (issue 12, "host identity cannot be taken"):
   * - A join token registers a NEW host name only. With the name of a host that exists it is
   *   `409 host/name_taken` and changes nothing: holding the fleet's join token must not make anyone an
   *   existing host (with its token they would read its containers' specs and its tenants' logins).
   *   One exception makes a join safe to retry: the agent that joined, repeating its join with the same
   *   join key (`joinKey`) because the answer never reached it, gets the host back with a new token
   *   (the lost answer's token stops working), until the host first uses a token.
   * - A host re-registers with its own host token (its agent keeps it in its state dir), updating its
   *   address, capacity, driver and version; it keeps its token unless it asks to rotate it.
   * - A host that lost its token comes back through the operator only: a re-admission token (see
   *   join-tokens.service.ts) registers that one host, once, and gives it a new token.
   * The host keeps its id throughout, so its containers, volumes and queue stay its own.
   */
  register(who: RegistrantPrincipal, req: RegisterHostRequest): Promise<RegisterHostResponse> {
    return who.kind === 'agent' ? this.reregister(who.hostId, req) : this.join(who, req);
  }

  private reregister(hostId: HostId, req: RegisterHostRequest): Promise<RegisterHostResponse> {
    return inTransaction(this.ds, async (em) => {
      const host = await new HostRepository(em).lockById(hostId);
      if (!host) throw new DomainError('host/not_found', `host ${hostId} does not exist`);
      if (host.name !== req.name) {
        throw new DomainError(
          'host/name_mismatch',
          `this host token belongs to host ${host.name}, not ${req.name}: a host keeps its name; ` +
            'register a new host with a join token instead',
        );
      }
      host.joinKeyHash = null; // it holds its token: a join can no longer speak for it
      const res = await this.save(em, host, req, req.rotateToken === true);
      this.log.log(`host ${host.name} (${host.id}) re-registered${res.token ? ', token rotated' : ''}`);
      return res;
    });
  }

  private join(who: JoinPrincipal, req: RegisterHostRequest): Promise<RegisterHostResponse> {
    // Two new agents racing for one free name: the loser hits the unique name and gets the same 409.
    return onUniqueViolation(
      'hosts_name_key',
      () => nameTaken(req.name),
      () =>
        inTransaction(this.ds, async (em) => {
          const existing = await new HostRepository(em).lockByName(req.name);
          if (who.readmitHostId !== null) {
            if (existing?.id !== who.readmitHostId || who.joinTokenId === null) {
              throw new DomainError(
                'join_token/wrong_host',
                `this re-admission token is for another host, not ${req.name}; it registers only the host ` +
                  'the operator re-admitted',
              );
            }
            await this.joinTokens.consume(em, who.joinTokenId, existing.id);
            this.log.warn(
              `host ${existing.name} (${existing.id}) re-admitted by the operator; its old token is void`,
            );
            existing.joinKeyHash = null; // and so is the join key of whoever joined it first
            return this.save(em, existing, req, true);
          }
          if (existing) {
            if (!(await sameJoinKey(req.joinKey, existing.joinKeyHash))) throw nameTaken(req.name);
            this.log.warn(
              `host ${existing.name} (${existing.id}) joined again with its join key (the first answer was ` +
                'lost): issuing a new token',
            );
            return this.save(em, existing, req, true);
          }
          const now = new Date();
          const host = em.create(HostEntity, {
            id: newId('hst'),
            name: req.name,
            registeredAt: now,
            state: 'ready',
            stateChangedAt: now,
            joinKeyHash: req.joinKey !== undefined ? hashToken(req.joinKey) : null,
          });
          const res = await this.save(em, host, req, true);
          this.log.log(`host ${host.name} (${host.id}) registered, driver ${req.driver}`);
          return res;
        }),
    );
  }

  /** Writes what the agent reports, brings a lost host back, and issues a new token when asked. */
  private async save(
    em: EntityManager,
    host: HostEntity,
    req: RegisterHostRequest,
    issueNewToken: boolean,
  ): Promise<RegisterHostResponse> {
    const now = new Date();
    if (host.state !== 'ready') {
      const next = transitionHost(host.state, 'heartbeat');
      if (next !== host.state) host.stateChangedAt = now;
      host.state = next;
    }
    const issued = issueNewToken ? issueToken('bh') : null;
    if (issued) {
      host.tokenPrefix = issued.prefix;
      host.tokenHash = hashToken(issued.secret);
    }
    Object.assign(host, {
      address: req.address,
      capacityVcpu: req.capacity.vcpu,
      capacityMemoryMib: req.capacity.memoryMib,
      capacityDiskGib: req.capacity.diskGib,
      capacityVolumeGib: req.capacity.volumeGib ?? 0,
      driver: req.driver,
      capabilities: req.capabilities,
      agentVersion: req.agentVersion,
      lastHeartbeatAt: now,
    });
    await em.save(host);
    // Every registration hands out a fresh Redis login: one that a crashed agent never stored is
    // replaced at its next start, which re-registers with its host token.
    const redis = await this.redisUsers.issue(em, host.id);
    return {
      hostId: host.id,
      queue: agentQueueName(host.id),
      redis,
      ...(issued ? { token: issued.token } : {}),
    };
  }

  /**
   * Records that the host is alive, in one statement; a lost host that heartbeats again is ready again,
   * and is told to resync (`resync`): while it was lost its containers may have been deleted or started
   * elsewhere, and it must stop those before it reports anything. An agent that counts losses
   * (`resyncedEpoch`) is told so until it says it has resynced after the last one; one that does not is
   * told once, by the heartbeat that brings the host back.
   */
  async heartbeat(hostId: HostId, req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const beat = await new HostRepository(this.ds.manager).recordHeartbeat(hostId, HEARTBEAT_NEXT, {
      hostAt: new Date(req.at),
      ...(req.volumeGib !== undefined ? { volumeGib: req.volumeGib } : {}),
      ...(req.templates !== undefined ? { templates: req.templates.map(templateOf) } : {}),
      ...(req.resyncedEpoch !== undefined ? { resyncedEpoch: req.resyncedEpoch } : {}),
    });
    if (!beat) throw new DomainError('host/not_found', `host ${hostId} does not exist`);
    const behind = req.resyncedEpoch !== undefined && beat.resyncedEpoch < beat.lossEpoch;
    const resync = beat.before === 'lost' || behind;
    if (beat.before !== beat.after) {
      this.log.log(`host ${beat.name} (${hostId}) is back: ${beat.before} -> ${beat.after}`);
    }
    return { hostId, state: beat.after, resync, lossEpoch: beat.lossEpoch };
  }

  async list(limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<HostView>> {
    const after = decodeCursor(cursor);
    const page = await pageBy(this.ds.manager.createQueryBuilder(HostEntity, 'h'), 'h.id', {
      limit,
      ...(after ? { after } : {}),
    });
    const items = page.items;
    const reserved = await new HostReservationRepository(this.ds.manager).reservedOn(items.map((h) => h.id));
    return pageOf(
      page,
      (h) => hostView(h, reserved.get(h.id)?.resources, reserved.get(h.id)?.volumeGib),
      (h) => h.id,
    );
  }
}

/** Whether a join presents the join key its host first joined with (and has not yet outgrown). */
async function sameJoinKey(key: string | undefined, storedHash: string | null): Promise<boolean> {
  return key !== undefined && storedHash !== null && (await verifyToken(key, storedHash)).valid;
}

function nameTaken(name: string): DomainError {
  return new DomainError(
    'host/name_taken',
    `a host named ${name} is already registered; a join token registers new hosts only. That host ` +
      "re-registers with its own host token (kept in its agent's state dir), or, if it lost it, the " +
      `operator re-admits it (berth admin hosts readmit ${name}) and its agent joins with that token`,
  );
}

/** A reported template with only the view's fields (the DTO checked them; anything else is left out). */
function templateOf(t: HostTemplateView): Record<string, unknown> {
  return {
    key: t.key,
    state: t.state,
    vcpu: t.vcpu,
    memoryMib: t.memoryMib,
    disks: t.disks,
    nics: t.nics,
    builtAt: t.builtAt,
    clones: t.clones,
    error: t.error,
  };
}
