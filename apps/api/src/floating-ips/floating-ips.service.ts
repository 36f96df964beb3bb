import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { FloatingIpView, Page } from '@berth/contracts';
import {
  ContainerRepository,
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  FloatingIpEntity,
  FloatingIpPoolRepository,
  FloatingIpRepository,
  inTransaction,
  IpAllocationRepository,
  pageOf,
  UsageIntervalRepository,
} from '@berth/db';
import {
  DomainError,
  NO_USAGE_HISTORY,
  planFloatingIpUsage,
  formatIpv4,
  isIpv4,
  lowestFreeInPool,
  newId,
  parseIpv4,
  type HostId,
  type TenantId,
} from '@berth/domain';
import { violatedConstraint } from '../common/unique-violation';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { AgentQueuesService } from '../queue/agent-queues.service';
import { assertWithinQuota } from '../quotas/quota-guard';
import { floatingIpView } from './floating-ip.view';

/**
 * Floating IPs: public addresses from the operator's pool (BERTH_FIP_POOL) that a tenant holds, names,
 * and points at one of its containers. The container's host installs the DNAT/SNAT for it; the
 * address follows the container (the host is found again on every data-plane sync) and is detached
 * when the container is deleted.
 */
@Injectable()
export class FloatingIpsService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** The lowest free pool address, within the tenant's floating-IP quota. */
  async allocate(tenantId: TenantId, name?: string): Promise<FloatingIpView> {
    if (name !== undefined) checkName(name);
    const fip = await this.withUniqueGuard(name ?? null, () =>
      inTransaction(this.ds, async (em) => {
        // The tenant's row first (the lock order of every create), then one allocation at a time,
        // fleet-wide: the pool is read and written under this lock, so two concurrent allocations
        // cannot share an address.
        await assertWithinQuota(em, tenantId, this.config.quotas, { floatingIps: 1 });
        const pool = new FloatingIpPoolRepository(em);
        await pool.lockPool();
        const repo = new FloatingIpRepository(em);
        if (name !== undefined && (await repo.findByRef(tenantId, name))) throw fipNameTaken(name);
        if (this.config.fipPool.length === 0) {
          throw new DomainError('fip/pool_exhausted', 'this berth has no floating IPs configured');
        }
        const used = new Set<number>();
        for (const address of await pool.heldAddresses()) {
          const n = parseIpv4(address);
          if (n !== null) used.add(n);
        }
        const address = lowestFreeInPool(this.config.fipPool, used);
        if (address === null) {
          throw new DomainError('fip/pool_exhausted', 'every floating IP is taken; try again later');
        }
        const now = new Date();
        const saved = await em.save(
          em.create(FloatingIpEntity, {
            id: newId('fip'),
            tenantId,
            address: formatIpv4(address),
            name: name ?? null,
            containerId: null,
            createdAt: now,
            updatedAt: now,
            releasedAt: null,
          }),
        );
        await new UsageIntervalRepository(em).apply(
          { tenantId, resourceType: 'floating_ip', resourceId: saved.id },
          planFloatingIpUsage('allocate', NO_USAGE_HISTORY, now),
        );
        return saved;
      }),
    );
    return floatingIpView(fip);
  }

  async list(tenantId: TenantId, limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<FloatingIpView>> {
    const after = decodeCursor(cursor);
    const result = await new FloatingIpRepository(this.ds.manager).list(tenantId, {
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(result, floatingIpView, (f) => f.id);
  }

  async get(tenantId: TenantId, ref: string): Promise<FloatingIpView> {
    const f = await new FloatingIpRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!f) throw fipNotFound(ref);
    return floatingIpView(f);
  }

  /** Names (or, with null, unnames) a floating IP. */
  async rename(tenantId: TenantId, ref: string, name: string | null): Promise<FloatingIpView> {
    if (name !== null) checkName(name);
    const fip = await this.withUniqueGuard(name, () =>
      inTransaction(this.ds, async (em) => {
        const repo = new FloatingIpRepository(em);
        const f = await repo.lockByRef(tenantId, ref);
        if (!f) throw fipNotFound(ref);
        if (name !== null && name !== f.name && (await repo.findByRef(tenantId, name)))
          throw fipNameTaken(name);
        f.name = name;
        f.updatedAt = new Date();
        return em.save(f);
      }),
    );
    return floatingIpView(fip);
  }

  /**
   * Points the floating IP at a container of the tenant that has a NIC. Attaching it to the container
   * it is already on changes nothing; a floating IP serves one container, a container has one.
   */
  async attach(tenantId: TenantId, ref: string, containerRef: string): Promise<FloatingIpView> {
    const { fip, hosts } = await this.withUniqueGuard(null, () =>
      inTransaction(this.ds, async (em) => {
        // Container first, then the floating IP: the order a container's deletion locks them in.
        const c = await new ContainerRepository(em).lockByRef(tenantId, containerRef);
        const f = await new FloatingIpRepository(em).lockByRef(tenantId, ref);
        if (!f) throw fipNotFound(ref);
        if (!c) throw new DomainError('container/not_found', `container ${containerRef} does not exist`);
        if (f.containerId === c.id) return { fip: f, hosts: [] };
        if (f.containerId !== null) {
          throw new DomainError(
            'fip/in_use',
            `floating IP ${f.address} is attached to another container; detach it first`,
            { containerId: f.containerId },
          );
        }
        const other = await em.findOne(FloatingIpEntity, {
          where: { containerId: c.id, releasedAt: IsNull() },
        });
        if (other) {
          throw new DomainError(
            'container/has_fip',
            `container ${c.name} already has floating IP ${other.address}; detach it first`,
            { floatingIp: other.address },
          );
        }
        if (!(await new IpAllocationRepository(em).hasNic(c.id))) {
          throw new DomainError(
            'container/invalid_state',
            `container ${c.name} has no network interface for a floating IP to reach`,
          );
        }
        f.containerId = c.id;
        f.updatedAt = new Date();
        return { fip: await em.save(f), hosts: [c.hostId] };
      }),
    );
    void this.queues.nudgeHosts(hosts);
    return floatingIpView(fip);
  }

  /** Detaches the floating IP from its container; detaching a detached one changes nothing. */
  async detach(tenantId: TenantId, ref: string): Promise<FloatingIpView> {
    const { fip, hosts } = await inTransaction(this.ds, async (em) => {
      const f = await new FloatingIpRepository(em).lockByRef(tenantId, ref);
      if (!f) throw fipNotFound(ref);
      if (f.containerId === null) return { fip: f, hosts: [] };
      const hosts = await hostOf(em, f);
      f.containerId = null;
      f.updatedAt = new Date();
      return { fip: await em.save(f), hosts };
    });
    void this.queues.nudgeHosts(hosts);
    return floatingIpView(fip);
  }

  /** Gives the address back to the pool (billing stops); refused while it is attached. */
  async release(tenantId: TenantId, ref: string): Promise<FloatingIpView> {
    const fip = await inTransaction(this.ds, async (em) => {
      const f = await new FloatingIpRepository(em).lockByRef(tenantId, ref);
      if (!f) throw fipNotFound(ref);
      if (f.containerId !== null) {
        throw new DomainError(
          'fip/in_use',
          `floating IP ${f.address} is attached to a container; detach it before releasing it`,
          { containerId: f.containerId },
        );
      }
      f.releasedAt = new Date();
      f.updatedAt = f.releasedAt;
      const usage = new UsageIntervalRepository(em);
      await usage.apply(
        { tenantId, resourceType: 'floating_ip', resourceId: f.id },
        planFloatingIpUsage('release', await usage.lockHistory(f.id), f.releasedAt),
      );
      return em.save(f);
    });
    return floatingIpView(fip);
  }

  /** Turns the partial unique indexes' errors into coded ones when two requests race. */
  private async withUniqueGuard<T>(name: string | null, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const constraint = violatedConstraint(err);
      if (constraint === 'floating_ips_tenant_name_uq' && name !== null) throw fipNameTaken(name);
      if (constraint === 'floating_ips_container_uq') {
        throw new DomainError(
          'container/has_fip',
          'the container already has a floating IP; detach it first',
        );
      }
      throw err;
    }
  }
}

async function hostOf(em: EntityManager, f: FloatingIpEntity): Promise<HostId[]> {
  if (f.containerId === null) return [];
  const host = await new ContainerRepository(em).hostOf(f.tenantId, f.containerId);
  return host === null ? [] : [host];
}

/** Names are looked up after ids and addresses, so a name may not be an address. */
function checkName(name: string): void {
  if (isIpv4(name)) {
    throw new DomainError('request/invalid', `a floating IP's name may not be an address (${name})`, {
      field: 'name',
    });
  }
}

function fipNotFound(ref: string): DomainError {
  return new DomainError('fip/not_found', `floating IP ${ref} does not exist`);
}

function fipNameTaken(name: string): DomainError {
  return new DomainError(
    'fip/name_taken',
    `a floating IP named ${name} already exists; pick another name or release it`,
  );
}
