import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NetworkView, Page } from '@berth/contracts';
import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  inTransaction,
  IpAllocationRepository,
  NetworkEntity,
  NetworkRepository,
  pageOf,
} from '@berth/db';
import { DomainError, validateNetworkCidr, type TenantId } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { createNetwork, networkNotFound } from './network-ledger';
import { networkView } from './network.view';

/**
 * A tenant's private networks. Each is a VXLAN segment of its own (its VNI); address blocks are unique
 * across tenants, so that hosts route and filter every network unambiguously (see network-ledger.ts).
 */
@Injectable()
export class NetworksService {
  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(tenantId: TenantId, name: string, cidr?: string): Promise<NetworkView> {
    const block = cidr === undefined ? null : validateNetworkCidr(cidr);
    const network = await inTransaction(this.ds, (em) =>
      createNetwork(em, tenantId, name, block, this.config.defaultNetworkCidr, this.config.quotas),
    );
    return networkView(network);
  }

  async list(tenantId: TenantId, limit = DEFAULT_PAGE_LIMIT, cursor?: string): Promise<Page<NetworkView>> {
    const after = decodeCursor(cursor);
    const result = await new NetworkRepository(this.ds.manager).list(tenantId, {
      limit,
      ...(after ? { after } : {}),
    });
    return pageOf(result, networkView, (n) => n.id);
  }

  async get(tenantId: TenantId, ref: string): Promise<NetworkView> {
    const n = await new NetworkRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!n) throw networkNotFound(ref);
    return networkView(n);
  }

  /**
   * Deletes a network no live container is on (the default one too: it is made again on first use).
   * The row stays, stamped, so that its VNI is never reused.
   */
  async remove(tenantId: TenantId, ref: string): Promise<NetworkView> {
    const network = await inTransaction(this.ds, async (em) => {
      const n = await new NetworkRepository(em).lockByRef(tenantId, ref);
      if (!n) throw networkNotFound(ref);
      const users = await new IpAllocationRepository(em).liveContainerNamesOn(n.id, 4);
      if (users.length > 0) {
        const names = users.slice(0, 3);
        throw new DomainError(
          'network/in_use',
          `network ${n.name} is in use by ${names.join(', ')}${users.length > 3 ? ' and others' : ''}; delete them first`,
          { containers: names },
        );
      }
      n.deletedAt = new Date();
      await em.save(NetworkEntity, n);
      return n;
    });
    return networkView(network);
  }
}
