import type { EntityManager } from 'typeorm';
import type { ContainerId, HostId, RuleDirection, RuleProtocol, SecurityGroupId } from '@berth/domain';

export interface DataplaneNicRow {
  container_id: ContainerId;
  network_id: string;
  ip: string;
  mac: string;
}

export interface DataplaneNetworkRow {
  id: string;
  vni: number;
  cidr: string;
  gateway: string;
}

export interface DataplaneMemberRow {
  network_id: string;
  name: string;
  ip: string;
  host_id: HostId | null;
  address: string | null;
}

export interface DataplaneRuleRow {
  group_id: SecurityGroupId;
  direction: RuleDirection;
  protocol: RuleProtocol;
  port_from: number | null;
  port_to: number | null;
  cidr: string | null;
  remote_group_id: SecurityGroupId | null;
}

/**
 * The fleet-wide reads one host's data plane is computed from (DataplaneService): its live containers'
 * NICs, the networks they are on and every live member of those, their groups, the rules of those and
 * the members of every group a rule names, and the floating IPs pointed at them. "Live" is every state
 * but `deleted`. Rows come as Postgres gives them; the service composes.
 */
export class DataplaneRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The database's clock (the transaction's start when in one, else this statement's) and the host's
   * own underlay address (null when it has none), in one statement.
   */
  async clockAndAddress(hostId: HostId): Promise<{ at: Date; address: string | null }> {
    const [row] = await this.em.query<{ at: Date; address: string | null }[]>(
      `SELECT now() AS at, (SELECT address FROM hosts WHERE id = $1) AS address`,
      [hostId],
    );
    return { at: row?.at ?? new Date(), address: row?.address ?? null };
  }

  /** NICs of the host's live containers, each container's in NIC order. */
  nicsOnHost(hostId: HostId): Promise<DataplaneNicRow[]> {
    return this.em.query<DataplaneNicRow[]>(
      `SELECT a.container_id, a.network_id, a.ip, a.mac
         FROM ip_allocations a JOIN containers c ON c.id = a.container_id
        WHERE c.host_id = $1 AND c.state <> 'deleted'
        ORDER BY a.container_id, a.nic_index`,
      [hostId],
    );
  }

  networks(networkIds: readonly string[]): Promise<DataplaneNetworkRow[]> {
    return this.em.query<DataplaneNetworkRow[]>(
      `SELECT id, vni, cidr, gateway FROM networks WHERE id = ANY($1) ORDER BY id`,
      [networkIds],
    );
  }

  /** Every live container on the networks, with its host's address (to tunnel to). */
  members(networkIds: readonly string[]): Promise<DataplaneMemberRow[]> {
    return this.em.query<DataplaneMemberRow[]>(
      `SELECT a.network_id, c.name, a.ip, c.host_id, h.address
         FROM ip_allocations a
         JOIN containers c ON c.id = a.container_id
         LEFT JOIN hosts h ON h.id = c.host_id
        WHERE a.network_id = ANY($1) AND c.state <> 'deleted'
        ORDER BY a.network_id, c.name`,
      [networkIds],
    );
  }

  groupAttachments(
    containerIds: readonly ContainerId[],
  ): Promise<{ container_id: ContainerId; group_id: SecurityGroupId }[]> {
    return this.em.query(
      `SELECT container_id, group_id FROM container_security_groups WHERE container_id = ANY($1)`,
      [containerIds],
    );
  }

  /** Floating IPs pointed at the host's live containers. */
  floatingIpsOnHost(hostId: HostId): Promise<{ address: string; container_id: ContainerId }[]> {
    return this.em.query(
      `SELECT f.address, f.container_id
         FROM floating_ips f JOIN containers c ON c.id = f.container_id
        WHERE f.released_at IS NULL AND c.host_id = $1 AND c.state <> 'deleted'
        ORDER BY f.address`,
      [hostId],
    );
  }

  /** The rules of the groups, whichever tenant's, in creation order. */
  async rules(groupIds: readonly SecurityGroupId[]): Promise<DataplaneRuleRow[]> {
    if (groupIds.length === 0) return [];
    return this.em.query<DataplaneRuleRow[]>(
      `SELECT group_id, direction, protocol, port_from, port_to, cidr, remote_group_id
         FROM security_rules WHERE group_id = ANY($1) ORDER BY id`,
      [groupIds],
    );
  }

  /** The addresses of the live members of the groups. */
  async memberIps(
    groupIds: readonly SecurityGroupId[],
  ): Promise<{ group_id: SecurityGroupId; ip: string }[]> {
    if (groupIds.length === 0) return [];
    return this.em.query(
      `SELECT m.group_id, a.ip
         FROM container_security_groups m
         JOIN containers c ON c.id = m.container_id
         JOIN ip_allocations a ON a.container_id = c.id
        WHERE m.group_id = ANY($1) AND c.state <> 'deleted'`,
      [groupIds],
    );
  }
}
