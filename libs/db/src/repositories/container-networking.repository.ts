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
    for (const groupId of groupIds) {
      await this.em
        .createQueryBuilder()
        .insert()
        .into(ContainerSecurityGroupEntity)
        .values({ containerId, groupId, createdAt: new Date() })
        .orIgnore()
        .execute();
    }
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
   * still have their NICs and groups (before release).
   */
  hostsAffectedByContainers(containerIds: readonly ContainerId[]): Promise<HostId[]> {
    return this.hostIds(
      `SELECT host_id FROM containers WHERE id = ANY($1)
       UNION
       SELECT c.host_id
         FROM ip_allocations mine
         JOIN ip_allocations theirs ON theirs.network_id = mine.network_id
         JOIN containers c ON c.id = theirs.container_id
        WHERE mine.container_id = ANY($1) AND c.state <> 'deleted'
       UNION
       SELECT c.host_id
         FROM container_security_groups mine
         JOIN security_rules r ON r.remote_group_id = mine.group_id
         JOIN container_security_groups theirs ON theirs.group_id = r.group_id
         JOIN containers c ON c.id = theirs.container_id
        WHERE mine.container_id = ANY($1) AND c.state <> 'deleted'`,
      [containerIds],
    );
  }

  /** Hosts of live containers wearing any of `groupIds` (whose rules then changed). */
  hostsOfGroupMembers(groupIds: readonly SecurityGroupId[]): Promise<HostId[]> {
    return this.hostIds(
      `SELECT c.host_id FROM container_security_groups m JOIN containers c ON c.id = m.container_id
        WHERE m.group_id = ANY($1) AND c.state <> 'deleted'`,
      [groupIds],
    );
  }

  /** Hosts of live containers whose groups have rules naming one of `groupIds` (whose members changed). */
  hostsReferencingGroups(groupIds: readonly SecurityGroupId[]): Promise<HostId[]> {
    return this.hostIds(
      `SELECT c.host_id
         FROM security_rules r
         JOIN container_security_groups m ON m.group_id = r.group_id
         JOIN containers c ON c.id = m.container_id
        WHERE r.remote_group_id = ANY($1) AND c.state <> 'deleted'`,
      [groupIds],
    );
  }

  private async hostIds(sql: string, params: unknown[]): Promise<HostId[]> {
    const rows: { host_id: HostId | null }[] = await this.em.query(sql, params);
    return [...new Set(rows.map((r) => r.host_id).filter((h): h is HostId => h !== null))];
  }
}
