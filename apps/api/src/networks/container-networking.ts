import type { EntityManager } from 'typeorm';
import type { ContainerNicView } from '@berth/contracts';
import {
  ContainerSecurityGroupEntity,
  SecurityGroupRepository,
  type NetworkEntity,
  type SecurityGroupEntity,
} from '@berth/db';
import {
  DomainError,
  formatIpv4,
  lowestFreeHost,
  newMac,
  parseCidr,
  parseIpv4,
  type ContainerId,
  type HostId,
  type SecurityGroupId,
  type TenantId,
} from '@berth/domain';

/** A container may wear at most this many security groups (as an AWS interface). */
export const MAX_GROUPS_PER_CONTAINER = 5;

/** How often one NIC's insert is retried after losing a race for its address or MAC. */
const ALLOCATION_ATTEMPTS = 32;

/** What a container view shows of its networking. */
export interface ContainerNetworking {
  readonly networks: ContainerNicView[];
  readonly securityGroups: string[];
}

export const NO_NETWORKING: ContainerNetworking = Object.freeze({ networks: [], securityGroups: [] });

/**
 * Gives the container a NIC on each network, in order (eth0 is the first). Each NIC gets the lowest
 * free host address (not the network, gateway or broadcast address) and a random MAC. The unique
 * constraints decide races: an insert that collides with another launch's address or MAC (committed,
 * or committing: Postgres waits for it) does nothing, and the choice is made again. A full network is
 * `network/full`. The networks must be locked against deletion by the caller (resolveNetworksForCreate).
 */
export async function allocateNics(
  em: EntityManager,
  containerId: ContainerId,
  networks: readonly NetworkEntity[],
): Promise<void> {
  for (const [nicIndex, network] of networks.entries()) {
    await allocateNic(em, containerId, network, nicIndex);
  }
}

async function allocateNic(
  em: EntityManager,
  containerId: ContainerId,
  network: NetworkEntity,
  nicIndex: number,
): Promise<void> {
  const block = parseCidr(network.cidr);
  for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
    const rows: { ip: string }[] = await em.query(`SELECT ip FROM ip_allocations WHERE network_id = $1`, [
      network.id,
    ]);
    const used = new Set<number>();
    for (const r of rows) {
      const n = parseIpv4(r.ip);
      if (n !== null) used.add(n);
    }
    const address = lowestFreeHost(block, used);
    if (address === null) {
      throw new DomainError(
        'network/full',
        `network ${network.name} (${network.cidr}) has no free address; delete a container on it or use another network`,
        { network: network.id },
      );
    }
    const inserted: unknown[] = await em.query(
      `INSERT INTO ip_allocations (container_id, network_id, ip, mac, nic_index, created_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT DO NOTHING
       RETURNING ip`,
      [containerId, network.id, formatIpv4(address), newMac(), nicIndex],
    );
    if (inserted.length === 1) return;
  }
  throw new Error(`could not allocate an address on ${network.id} in ${ALLOCATION_ATTEMPTS} attempts`);
}

/**
 * The tenant's groups named by `refs` (ids or names), locked against deletion until the transaction
 * ends. Unknown ones are `security_group/not_found`; more than MAX_GROUPS_PER_CONTAINER is refused.
 */
export async function resolveGroups(
  em: EntityManager,
  tenantId: TenantId,
  refs: readonly string[],
): Promise<SecurityGroupEntity[]> {
  const repo = new SecurityGroupRepository(em);
  const out: SecurityGroupEntity[] = [];
  for (const ref of refs) {
    const g = await repo.lockByRef(tenantId, ref, 'share');
    if (!g) throw securityGroupNotFound(ref);
    if (!out.some((o) => o.id === g.id)) out.push(g);
  }
  if (out.length > MAX_GROUPS_PER_CONTAINER) throw tooManyGroups();
  return out;
}

/** Attaches groups to a container; attaching one it already has changes nothing. */
export async function attachGroups(
  em: EntityManager,
  containerId: ContainerId,
  groupIds: readonly SecurityGroupId[],
): Promise<void> {
  for (const groupId of groupIds) {
    await em
      .createQueryBuilder()
      .insert()
      .into(ContainerSecurityGroupEntity)
      .values({ containerId, groupId, createdAt: new Date() })
      .orIgnore()
      .execute();
  }
}

/**
 * Frees what a deleted container held: its addresses and MACs, its group attachments, and the
 * floating IP it had (the tenant keeps the floating IP, detached). Call it in the transaction that
 * makes the container `deleted`, wherever that happens; idempotent.
 */
export async function releaseContainerNetworking(em: EntityManager, containerId: ContainerId): Promise<void> {
  await em.query(`DELETE FROM ip_allocations WHERE container_id = $1`, [containerId]);
  await em.query(`DELETE FROM container_security_groups WHERE container_id = $1`, [containerId]);
  await em.query(
    `UPDATE floating_ips SET container_id = NULL, updated_at = now()
      WHERE container_id = $1 AND released_at IS NULL`,
    [containerId],
  );
}

/** NICs and groups of each container, for views. */
export async function loadContainerNetworking(
  em: EntityManager,
  containerIds: readonly ContainerId[],
): Promise<Map<ContainerId, ContainerNetworking>> {
  const out = new Map<ContainerId, { networks: ContainerNicView[]; securityGroups: string[] }>();
  if (containerIds.length === 0) return out;
  for (const id of containerIds) out.set(id, { networks: [], securityGroups: [] });
  const nics: { container_id: ContainerId; network_id: string; name: string; ip: string; mac: string }[] =
    await em.query(
      `SELECT a.container_id, a.network_id, n.name, a.ip, a.mac
         FROM ip_allocations a JOIN networks n ON n.id = a.network_id
        WHERE a.container_id = ANY($1)
        ORDER BY a.container_id, a.nic_index`,
      [containerIds],
    );
  for (const r of nics) {
    out.get(r.container_id)?.networks.push({ networkId: r.network_id, name: r.name, ip: r.ip, mac: r.mac });
  }
  const groups: { container_id: ContainerId; group_id: string }[] = await em.query(
    `SELECT container_id, group_id FROM container_security_groups
      WHERE container_id = ANY($1) ORDER BY container_id, created_at, group_id`,
    [containerIds],
  );
  for (const r of groups) out.get(r.container_id)?.securityGroups.push(r.group_id);
  return out;
}

export async function networkingOf(
  em: EntityManager,
  containerId: ContainerId,
): Promise<ContainerNetworking> {
  return (await loadContainerNetworking(em, [containerId])).get(containerId) ?? NO_NETWORKING;
}

// ---- which hosts a change reaches ----

async function hostIds(em: EntityManager, sql: string, params: unknown[]): Promise<HostId[]> {
  const rows: { host_id: HostId | null }[] = await em.query(sql, params);
  return [...new Set(rows.map((r) => r.host_id).filter((h): h is HostId => h !== null))];
}

/**
 * Hosts whose data plane a container's arrival or departure changes: its own; those of live containers
 * sharing a network with it (VXLAN peers, host entries); those of live containers whose groups have
 * rules naming one of its groups (the rule's addresses). Call it while the container still has its
 * NICs and groups (before releaseContainerNetworking).
 */
export function hostsAffectedByContainers(
  em: EntityManager,
  containerIds: readonly ContainerId[],
): Promise<HostId[]> {
  return hostIds(
    em,
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
export function hostsOfGroupMembers(
  em: EntityManager,
  groupIds: readonly SecurityGroupId[],
): Promise<HostId[]> {
  return hostIds(
    em,
    `SELECT c.host_id FROM container_security_groups m JOIN containers c ON c.id = m.container_id
      WHERE m.group_id = ANY($1) AND c.state <> 'deleted'`,
    [groupIds],
  );
}

/** Hosts of live containers whose groups have rules naming one of `groupIds` (whose members changed). */
export function hostsReferencingGroups(
  em: EntityManager,
  groupIds: readonly SecurityGroupId[],
): Promise<HostId[]> {
  return hostIds(
    em,
    `SELECT c.host_id
       FROM security_rules r
       JOIN container_security_groups m ON m.group_id = r.group_id
       JOIN containers c ON c.id = m.container_id
      WHERE r.remote_group_id = ANY($1) AND c.state <> 'deleted'`,
    [groupIds],
  );
}

export function securityGroupNotFound(ref: string): DomainError {
  return new DomainError('security_group/not_found', `security group ${ref} does not exist`);
}

export function tooManyGroups(): DomainError {
  return new DomainError(
    'quota/exceeded',
    `a container may have at most ${MAX_GROUPS_PER_CONTAINER} security groups; put the rules in fewer groups`,
    { max: MAX_GROUPS_PER_CONTAINER },
  );
}
