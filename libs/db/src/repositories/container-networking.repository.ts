import type { EntityManager } from 'typeorm';
import type { ContainerId, HostId, SecurityGroupId } from '@berth/domain';
import { ContainerSecurityGroupEntity } from '../entities/container-security-group.entity';
import { IpAllocationRepository } from './ip-allocation.repository';

/**
 * What a container holds on the data plane beyond its NICs: its security groups
 * (container_security_groups) and, on release, its floating IP's attachment; and which hosts a change
 * of those reaches.
 */
export class ContainerNetworkingRepository {
  constructor(private readonly em: EntityManager) {}

  /** Attaches groups to a container; attaching one it already has changes nothing. */
  async attachGroups(containerId: ContainerId, groupIds: readonly SecurityGroupId[]): Promise<void> {
    if (groupIds.length === 0) return;
    const createdAt = new Date();
    await this.em
      .createQueryBuilder()
      .insert()
      .into(ContainerSecurityGroupEntity)
      .values(groupIds.map((groupId) => ({ containerId, groupId, createdAt })))
      .orIgnore()
      .execute();
  }

  /** The groups of each container, in the order they were attached. */
  async groupsOf(
    containerIds: readonly ContainerId[],
  ): Promise<{ containerId: ContainerId; groupId: SecurityGroupId }[]> {
    if (containerIds.length === 0) return [];
    const rows: { container_id: ContainerId; group_id: SecurityGroupId }[] = await this.em.query(
      `SELECT container_id, group_id FROM container_security_groups
        WHERE container_id = ANY($1) ORDER BY container_id, created_at, group_id`,
      [containerIds],
    );
    return rows.map((r) => ({ containerId: r.container_id, groupId: r.group_id }));
  }

  /** Names of up to `limit` live containers wearing the group, by name. */
  async liveMemberNames(groupId: SecurityGroupId, limit: number): Promise<string[]> {
    const rows: { name: string }[] = await this.em.query(
      `SELECT c.name FROM container_security_groups m JOIN containers c ON c.id = m.container_id
        WHERE m.group_id = $1 AND c.state <> 'deleted' ORDER BY c.name LIMIT $2`,
      [groupId, limit],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Frees what a deleted container held: its addresses and MACs, its group attachments, and the
   * floating IP it had (the tenant keeps the floating IP, detached). Idempotent.
   */
  async release(containerId: ContainerId): Promise<void> {
    await new IpAllocationRepository(this.em).releaseContainer(containerId);
    await this.em.query(`DELETE FROM container_security_groups WHERE container_id = $1`, [containerId]);
    await this.em.query(
      `UPDATE floating_ips SET container_id = NULL, updated_at = now()
        WHERE container_id = $1 AND released_at IS NULL`,
      [containerId],
    );
  }

  /**
   * Hosts whose data plane a container's arrival or departure changes: its own; those of live
   * containers sharing a network with it (VXLAN peers, host entries); those of live containers whose
   * groups have rules naming one of its groups (the rule's addresses). Read it while the containers
   * still have their NICs and groups (before release). Reads a row or two per host of each network and
   * group (hostsOf), not every container on them.
   */
  hostsAffectedByContainers(containerIds: readonly ContainerId[]): Promise<HostId[]> {
    return this.hostIds(
      `WITH RECURSIVE ${hostsOf(
        `SELECT DISTINCT network_id FROM ip_allocations WHERE container_id = ANY($1)`,
        `SELECT DISTINCT r.group_id
           FROM container_security_groups mine JOIN security_rules r ON r.remote_group_id = mine.group_id
          WHERE mine.container_id = ANY($1)`,
      )}
       SELECT host_id FROM containers WHERE id = ANY($1)
       UNION SELECT host_id FROM peer_hosts`,
      [containerIds],
    );
  }

  /** Hosts of live containers wearing any of `groupIds` (whose rules then changed). */
  hostsOfGroupMembers(groupIds: readonly SecurityGroupId[]): Promise<HostId[]> {
    return this.hostIds(
      `WITH RECURSIVE ${hostsOf(null, `SELECT DISTINCT unnest($1::text[])`)} SELECT host_id FROM peer_hosts`,
      [groupIds],
    );
  }

  /** Hosts of live containers whose groups have rules naming one of `groupIds` (whose members changed). */
  hostsReferencingGroups(groupIds: readonly SecurityGroupId[]): Promise<HostId[]> {
    return this.hostIds(
      `WITH RECURSIVE ${hostsOf(
        null,
        `SELECT DISTINCT group_id FROM security_rules WHERE remote_group_id = ANY($1)`,
      )} SELECT host_id FROM peer_hosts`,
      [groupIds],
    );
  }

  private async hostIds(sql: string, params: unknown[]): Promise<HostId[]> {
    const rows: { host_id: HostId | null }[] = await this.em.query(sql, params);
    return [...new Set(rows.map((r) => r.host_id).filter((h): h is HostId => h !== null))];
  }
}

/**
 * The WITH RECURSIVE clauses that end in `peer_hosts(host_id)`: the hosts of live containers with a NIC
 * on one of the networks `networksSql` selects or wearing one of the groups `groupsSql` selects (each a
 * one-column query; null for none). NICs and attachments carry their container's host while it is live
 * (live_host_id), so each network's and group's hosts are read by skipping through the
 * (network_id, live_host_id) and (group_id, live_host_id) indexes from one host to the next: a row per
 * host, O(hosts * log n), where a join reads every container of the network.
 */
function hostsOf(networksSql: string | null, groupsSql: string | null): string {
  const skip = (table: string, key: string, seeds: string | null): string =>
    `${table}_seeds(k) AS (${seeds ?? 'SELECT NULL::text WHERE false'}),
     ${table}_hosts(k, host_id) AS (
       SELECT k, (SELECT min(t.live_host_id) FROM ${table} t WHERE t.${key} = s.k) FROM ${table}_seeds s
       UNION ALL
       SELECT h.k, (SELECT min(t.live_host_id) FROM ${table} t WHERE t.${key} = h.k AND t.live_host_id > h.host_id)
         FROM ${table}_hosts h WHERE h.host_id IS NOT NULL
     )`;
  return `${skip('ip_allocations', 'network_id', networksSql)},
    ${skip('container_security_groups', 'group_id', groupsSql)},
    peer_hosts(host_id) AS (
      SELECT host_id FROM ip_allocations_hosts WHERE host_id IS NOT NULL
      UNION SELECT host_id FROM container_security_groups_hosts WHERE host_id IS NOT NULL
    )`;
}
