import type { EntityManager } from 'typeorm';
import type { ContainerId, NetworkId } from '@berth/domain';

/** A NIC to insert: its address is NIC slot `slot` of the network. */
export interface NewNic {
  readonly containerId: ContainerId;
  readonly networkId: NetworkId;
  readonly ip: string;
  readonly slot: number;
  readonly mac: string;
  readonly nicIndex: number;
}

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

/**
 * The CTEs that take a NIC slot of network $1 from $2 below $3 (freed, else marked: see takeSlot),
 * shared by the statements that take one.
 */
const TAKE_SLOT = `WITH freed AS (
         DELETE FROM network_free_slots
          WHERE ctid = (
            SELECT ctid FROM network_free_slots
             WHERE network_id = $1 ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING slot
       ), marked AS (
         INSERT INTO network_address_marks AS m (network_id, next_slot)
         SELECT $1, $2::integer + 1 WHERE NOT EXISTS (SELECT 1 FROM freed) AND $2::integer < $3::integer
         ON CONFLICT (network_id) DO UPDATE SET next_slot = m.next_slot + 1 WHERE m.next_slot < $3::integer
         RETURNING m.next_slot - 1 AS slot
       )`;

/** Containers' NICs: one address and MAC per container and network (ip_allocations). */
export class IpAllocationRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Takes a free NIC slot of the network, of those from `first` below `end`: the lowest one freed
   * (network_free_slots), else the next one never given out (the network's mark); null when there is none. One
   * statement whatever the network's size. Freed slots held by another transaction's take are skipped
   * rather than waited for; the mark is a row of its own, locked until the transaction ends, so two
   * creates on a network take distinct slots. (The freed row is deleted by its ctid, which a locked
   * row keeps: the delete then reads that one row whatever the free list's size.)
   */
  async takeSlot(
    networkId: NetworkId,
    slots: { readonly first: number; readonly end: number },
  ): Promise<number | null> {
    const rows: { slot: number }[] = await this.em.query(
      `${TAKE_SLOT}
       SELECT slot FROM freed UNION ALL SELECT slot FROM marked`,
      [networkId, slots.first, slots.end],
    );
    return rows[0]?.slot ?? null;
  }

  /**
   * takeSlot and tryInsert in one statement (the create's usual path, issue 15): takes a slot as
   * takeSlot does and inserts the NIC at its address, `firstAddress` (the address of slot
   * `slots.first`) plus the slot's offset from it; answers the slot, the address and whether the
   * insert happened (a taken address or MAC does nothing: the caller retries with tryInsert, keeping
   * the slot it now holds). null when the network has no free slot.
   */
  async takeSlotAndInsert(
    nic: Omit<NewNic, 'ip' | 'slot'>,
    slots: { readonly first: number; readonly end: number },
    firstAddress: string,
  ): Promise<{ slot: number; ip: string; inserted: boolean } | null> {
    const rows: { slot: number; ip: string; inserted: boolean }[] = await this.em.query(
      `${TAKE_SLOT}, taken AS (
         SELECT slot, host($4::inet + (slot - $2::integer)) AS ip FROM (
           SELECT slot FROM freed UNION ALL SELECT slot FROM marked) s
       ), inserted AS (
         INSERT INTO ip_allocations (container_id, network_id, ip, slot, mac, nic_index, created_at)
         SELECT $5, $1, ip, slot, $6, $7, now() FROM taken
         ON CONFLICT DO NOTHING
         RETURNING ip
       )
       SELECT slot, ip, EXISTS (SELECT 1 FROM inserted) AS inserted FROM taken`,
      [nic.networkId, slots.first, slots.end, firstAddress, nic.containerId, nic.mac, nic.nicIndex],
    );
    return rows[0] ?? null;
  }

  /**
   * Inserts the NIC unless its address or MAC is taken (committed, or committing: Postgres waits for
   * that transaction); says whether it was inserted. The unique constraints decide races. Its host is
   * the container's (a trigger copies it).
   */
  async tryInsert(nic: NewNic): Promise<boolean> {
    const inserted: unknown[] = await this.em.query(
      `INSERT INTO ip_allocations (container_id, network_id, ip, slot, mac, nic_index, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT DO NOTHING
       RETURNING ip`,
      [nic.containerId, nic.networkId, nic.ip, nic.slot, nic.mac, nic.nicIndex],
    );
    return inserted.length === 1;
  }

  /** Whether a NIC holds the address on the network. */
  async addressTaken(networkId: NetworkId, ip: string): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `SELECT 1 FROM ip_allocations WHERE network_id = $1 AND ip = $2`,
      [networkId, ip],
    );
    return rows.length > 0;
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

  /** Frees the container's addresses and MACs, their slots to their networks' free lists; idempotent. */
  async releaseContainer(containerId: ContainerId): Promise<void> {
    await this.em.query(
      `WITH gone AS (DELETE FROM ip_allocations WHERE container_id = $1 RETURNING network_id, slot)
       INSERT INTO network_free_slots (network_id, slot) SELECT network_id, slot FROM gone
       ON CONFLICT DO NOTHING`,
      [containerId],
    );
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
