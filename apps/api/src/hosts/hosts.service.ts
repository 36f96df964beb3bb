import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  HeartbeatRequest,
  HeartbeatResponse,
  HostView,
  Page,
  RegisterHostRequest,
  RegisterHostResponse,
} from '@berth/contracts';
import { HostEntity, inTransaction } from '@berth/db';
import { DomainError, newId, transitionHost, type HostId } from '@berth/domain';
import { agentQueueName } from '@berth/queue';
import { hashSecret } from '../auth/secret-hasher';
import { AgentRedisUsersService } from './agent-redis-users.service';
import { issueToken } from '../auth/tokens';
import { decodeCursor, DEFAULT_PAGE_LIMIT, pageOf } from '../common/pagination';
import { reservationsByHost } from './host-snapshots';
import { hostView } from './host.view';
import { storageReservedByHost } from '../volumes/volume-ledger';

/** Hosts as agents register them and keep them alive. */
@Injectable()
export class HostsService {
  private readonly log = new Logger(HostsService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly redisUsers: AgentRedisUsersService,
  ) {}

  /**
   * Registers a host by name, or re-registers it (an agent that lost its state dir, or moved). Either
   * way a new per-host token is issued and the old one stops working. The host keeps its id.
   */
  register(req: RegisterHostRequest): Promise<RegisterHostResponse> {
    return inTransaction(this.ds, async (em) => {
      const issued = issueToken('bh');
      const tokenHash = await hashSecret(issued.secret);
      const now = new Date();
      const existing = await em
        .createQueryBuilder(HostEntity, 'h')
        .setLock('pessimistic_write')
        .where('h.name = :name', { name: req.name })
        .getOne();
      const host =
        existing ??
        em.create(HostEntity, {
          id: newId('hst'),
          name: req.name,
          registeredAt: now,
          state: 'ready',
          stateChangedAt: now,
        });
      if (existing && existing.state !== 'ready') {
        host.state = transitionHost(existing.state, 'heartbeat');
        host.stateChangedAt = now;
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
        tokenPrefix: issued.prefix,
        tokenHash,
        lastHeartbeatAt: now,
      });
      await em.save(host);
      const redis = await this.redisUsers.issue(em, host.id);
      this.log.log(
        `host ${host.name} (${host.id}) ${existing ? 're-registered' : 'registered'}, driver ${req.driver}`,
      );
      return { hostId: host.id, token: issued.token, queue: agentQueueName(host.id), redis };
    });
  }

  /** Records that the host is alive; a lost host that heartbeats again is ready again. */
  async heartbeat(hostId: HostId, req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return inTransaction(this.ds, async (em) => {
      const host = await em
        .createQueryBuilder(HostEntity, 'h')
        .setLock('pessimistic_write')
        .where('h.id = :id', { id: hostId })
        .getOne();
      if (!host) throw new DomainError('host/not_found', `host ${hostId} does not exist`);
      const now = new Date();
      const next = transitionHost(host.state, 'heartbeat');
      if (next !== host.state) {
        this.log.log(`host ${host.name} (${host.id}) is back: ${host.state} -> ${next}`);
        host.stateChangedAt = now;
      }
      host.state = next;
      host.lastHeartbeatAt = now;
      host.lastHeartbeatHostAt = new Date(req.at);
      if (req.volumeGib !== undefined) host.capacityVolumeGib = req.volumeGib;
      await em.save(host);
      return { hostId: host.id, state: host.state };
    });
  }

  async list(limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<HostView>> {
    const after = decodeCursor(cursor);
    const qb = this.ds.manager.createQueryBuilder(HostEntity, 'h');
    if (after) qb.where('h.id > :after', { after });
    const rows = await qb
      .orderBy('h.id', 'ASC')
      .limit(limit + 1)
      .getMany();
    const items = rows.slice(0, limit);
    const reserved = await reservationsByHost(
      this.ds.manager,
      items.map((h) => h.id),
    );
    const pools = await storageReservedByHost(
      this.ds.manager,
      items.map((h) => h.id),
    );
    return pageOf(
      { items, more: rows.length > limit },
      (h) => hostView(h, reserved.get(h.id), pools.get(h.id)),
      (h) => h.id,
    );
  }
}
