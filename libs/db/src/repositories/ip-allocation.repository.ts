import type { EntityManager } from 'typeorm';
import type { ContainerId, NetworkId } from '@berth/domain';
import { IpAllocationEntity } from '../entities/ip-allocation.entity';

/** A NIC as a container view shows it: the network's id and name, the address and the MAC. */
export interface NicRow {
  readonly containerId: ContainerId;
  readonly networkId: NetworkId;
  readonly networkName: string;
  readonly ip: string;
  readonly mac: string;
}

/** A NIC as its host's agent plugs it: its network's VNI and subnet, the address and the MAC. */
export interface WiredNicRow {
  readonly containerId: ContainerId;
  readonly networkId: NetworkId;
  readonly vni: number;
  readonly cidr: string;
  readonly gateway: string;
  readonly ip: string;
  readonly mac: string;
}

/** Containers' NICs: one address and MAC per container and network (ip_allocations). */
export class IpAllocationRepository {
  constructor(private readonly em: EntityManager) {}

  /** Every address taken on the network now. */
  async addressesOn(networkId: NetworkId): Promise<string[]> {
    const rows: { ip: string }[] = await this.em.query(
      `SELECT ip FROM ip_allocations WHERE network_id = $1`,
      [networkId],
    );
    return rows.map((r) => r.ip);
  }

  /**
   * Inserts the NIC unless its address or MAC is taken (committed, or committing: Postgres waits for
   * that transaction); says whether it was inserted. The unique constraints decide races.
   */
  async tryInsert(nic: Omit<IpAllocationEntity, 'createdAt'>): Promise<boolean> {
    const inserted: unknown[] = await this.em.query(
      `INSERT INTO ip_allocations (container_id, network_id, ip, mac, nic_index, created_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT DO NOTHING
       RETURNING ip`,
      [nic.containerId, nic.networkId, nic.ip, nic.mac, nic.nicIndex],
    );
    return inserted.length === 1;
  }

  /** Names of up to `limit` live containers with a NIC on the network, by name. */
  async liveContainerNamesOn(networkId: NetworkId, limit: number): Promise<string[]> {
    const rows: { name: string }[] = await this.em.query(
      `SELECT c.name FROM ip_allocations a JOIN containers c ON c.id = a.container_id
        WHERE a.network_id = $1 AND c.state <> 'deleted' ORDER BY c.name LIMIT $2`,
      [networkId, limit],
    );
    return rows.map((r) => r.name);
  }

  /** Whether the container has any NIC. */
  async hasNic(containerId: ContainerId): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `SELECT 1 FROM ip_allocations WHERE container_id = $1 LIMIT 1`,
      [containerId],
    );
    return rows.length > 0;
  }

  /** Frees the container's addresses and MACs; idempotent. */
  async releaseContainer(containerId: ContainerId): Promise<void> {
    await this.em.query(`DELETE FROM ip_allocations WHERE container_id = $1`, [containerId]);
  }

  /** The NICs of the containers, each container's in NIC order (eth0 first). */
  async nicsOf(containerIds: readonly ContainerId[]): Promise<NicRow[]> {
    if (containerIds.length === 0) return [];
    const rows: {
      container_id: ContainerId;
      network_id: NetworkId;
      name: string;
      ip: string;
      mac: string;
    }[] = await this.em.query(
      `SELECT a.container_id, a.network_id, n.name, a.ip, a.mac
           FROM ip_allocations a JOIN networks n ON n.id = a.network_id
          WHERE a.container_id = ANY($1)
          ORDER BY a.container_id, a.nic_index`,
      [containerIds],
    );
    return rows.map((r) => ({
      containerId: r.container_id,
      networkId: r.network_id,
      networkName: r.name,
      ip: r.ip,
      mac: r.mac,
    }));
  }

  /** As nicsOf, with what the host needs to plug each NIC in (its network's VNI, subnet and gateway). */
  async wiredNicsOf(containerIds: readonly ContainerId[]): Promise<WiredNicRow[]> {
    if (containerIds.length === 0) return [];
    const rows: {
      container_id: ContainerId;
      network_id: NetworkId;
      vni: number;
      cidr: string;
      gateway: string;
      ip: string;
      mac: string;
    }[] = await this.em.query(
      `SELECT a.container_id, a.network_id, n.vni, n.cidr, n.gateway, a.ip, a.mac
         FROM ip_allocations a JOIN networks n ON n.id = a.network_id
        WHERE a.container_id = ANY($1)
        ORDER BY a.container_id, a.nic_index`,
      [containerIds],
    );
    return rows.map((r) => ({
      containerId: r.container_id,
      networkId: r.network_id,
      vni: r.vni,
      cidr: r.cidr,
      gateway: r.gateway,
      ip: r.ip,
      mac: r.mac,
    }));
  }
}
