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

/** Everything one host's data plane is computed from, read in one statement (so in one snapshot). */
export interface DataplaneReading {
  /** The database's clock when the statement ran (the transaction's start when in one). */
  readonly at: Date;
  /** The host's own underlay address (null when it has none). */
  readonly address: string | null;
  /** NICs of the host's live containers, each container's in NIC order. */
  readonly nics: DataplaneNicRow[];
  /** The networks those NICs are on. */
  readonly networks: DataplaneNetworkRow[];
  /** Every live container on those networks, with its host's address (to tunnel to). */
  readonly members: DataplaneMemberRow[];
  /** The groups of the host's live containers. */
  readonly attachments: { container_id: ContainerId; group_id: SecurityGroupId }[];
  /** The rules of those groups, whichever tenant's, in creation order. */
  readonly rules: DataplaneRuleRow[];
  /** The addresses of the live members of every group a rule names. */
  readonly memberIps: { group_id: SecurityGroupId; ip: string }[];
  /** Floating IPs pointed at the host's live containers. */
  readonly floatingIps: { address: string; container_id: ContainerId }[];
}

/**
 * The fleet-wide read one host's data plane is computed from (DataplaneService): its live containers'
 * NICs, the networks they are on and every live member of those, their groups, the rules of those and
 * the members of every group a rule names, and the floating IPs pointed at them. "Live" is every state
 * but `deleted`. One statement (each part a JSON array built by Postgres), not eight: a claim carries
 * it, and every round trip is API CPU (issue 15). Rows come as Postgres gives them; the service composes.
 */
export class DataplaneRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The host's whole data plane, or with `only` the part of it that concerns those of its containers:
   * their NICs, groups, rules and floating IPs, and every network they are on with all its members (so
   * the cost follows the containers' networks, not the number of containers on the host).
   */
  async read(hostId: HostId, only?: readonly ContainerId[]): Promise<DataplaneReading> {
    // Two statement texts, not one with `$2 IS NULL OR ...`: each keeps a plan of its own shape.
    const scoped = only !== undefined;
    const [row] = await this.em.query<RawReading[]>(
      `WITH nic AS (
         SELECT a.container_id, a.network_id, a.ip, a.mac, a.nic_index
           FROM ip_allocations a JOIN containers c ON c.id = a.container_id
          WHERE c.host_id = $1 AND c.state <> 'deleted'${scoped ? ' AND c.id = ANY($2::text[])' : ''}
       ),
       att AS (
         SELECT m.container_id, m.group_id FROM container_security_groups m
          WHERE m.container_id IN (SELECT container_id FROM nic)
       ),
       rul AS (
         SELECT r.id, r.group_id, r.direction, r.protocol, r.port_from, r.port_to, r.cidr, r.remote_group_id
           FROM security_rules r WHERE r.group_id IN (SELECT group_id FROM att)
       )
       SELECT now() AS at,
         (SELECT address FROM hosts WHERE id = $1) AS address,
         (SELECT coalesce(json_agg(json_build_object(
                   'container_id', container_id, 'network_id', network_id, 'ip', ip, 'mac', mac)
                 ORDER BY container_id, nic_index), '[]') FROM nic) AS nics,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', n.id, 'vni', n.vni, 'cidr', n.cidr, 'gateway', n.gateway) ORDER BY n.id), '[]')
            FROM networks n WHERE n.id IN (SELECT network_id FROM nic)) AS networks,
         (SELECT coalesce(json_agg(json_build_object(
                   'network_id', a.network_id, 'name', c.name, 'ip', a.ip, 'host_id', c.host_id,
                   'address', h.address) ORDER BY a.network_id, c.name), '[]')
            FROM ip_allocations a
            JOIN containers c ON c.id = a.container_id
            LEFT JOIN hosts h ON h.id = c.host_id
           WHERE a.network_id IN (SELECT network_id FROM nic) AND c.state <> 'deleted') AS members,
         (SELECT coalesce(json_agg(json_build_object('container_id', container_id, 'group_id', group_id)), '[]')
            FROM att) AS attachments,
         (SELECT coalesce(json_agg(json_build_object(
                   'group_id', group_id, 'direction', direction, 'protocol', protocol, 'port_from', port_from,
                   'port_to', port_to, 'cidr', cidr, 'remote_group_id', remote_group_id) ORDER BY id), '[]')
            FROM rul) AS rules,
         (SELECT coalesce(json_agg(json_build_object('group_id', m.group_id, 'ip', a.ip)), '[]')
            FROM container_security_groups m
            JOIN containers c ON c.id = m.container_id
            JOIN ip_allocations a ON a.container_id = c.id
           WHERE m.group_id IN (SELECT remote_group_id FROM rul) AND c.state <> 'deleted') AS member_ips,
         (SELECT coalesce(json_agg(json_build_object('address', f.address, 'container_id', f.container_id)
                 ORDER BY f.address), '[]')
            FROM floating_ips f
           WHERE f.released_at IS NULL AND f.container_id IN (SELECT container_id FROM nic)) AS floating_ips`,
      scoped ? [hostId, only] : [hostId],
    );
    if (!row) throw new Error('the data plane read answered no row');
    return {
      at: row.at,
      address: row.address,
      nics: row.nics,
      networks: row.networks,
      members: row.members,
      attachments: row.attachments,
      rules: row.rules,
      memberIps: row.member_ips,
      floatingIps: row.floating_ips,
    };
  }
}

interface RawReading {
  at: Date;
  address: string | null;
  nics: DataplaneNicRow[];
  networks: DataplaneNetworkRow[];
  members: DataplaneMemberRow[];
  attachments: { container_id: ContainerId; group_id: SecurityGroupId }[];
  rules: DataplaneRuleRow[];
  member_ips: { group_id: SecurityGroupId; ip: string }[];
  floating_ips: { address: string; container_id: ContainerId }[];
}
