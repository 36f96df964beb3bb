import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AgentDataplane, AgentFloatingIp, AgentNetwork, AgentPort } from '@berth/contracts';
import {
  effectiveRules,
  type ContainerId,
  type GroupRule,
  type HostId,
  type RuleDirection,
  type RuleProtocol,
  type SecurityGroupId,
} from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';

interface NicRow {
  container_id: ContainerId;
  network_id: string;
  ip: string;
  mac: string;
}

interface NetworkRow {
  id: string;
  vni: number;
  cidr: string;
  gateway: string;
}

interface MemberRow {
  network_id: string;
  name: string;
  ip: string;
  host_id: HostId | null;
  address: string | null;
}

interface RuleRow {
  group_id: SecurityGroupId;
  direction: RuleDirection;
  protocol: RuleProtocol;
  port_from: number | null;
  port_to: number | null;
  cidr: string | null;
  remote_group_id: SecurityGroupId | null;
}

/**
 * What one host's data plane should be, computed from Postgres on every request (the agent applies it
 * idempotently, so there is no diff to keep): the networks its live containers are on, with the other
 * hosts to tunnel to and every member's name and address; each NIC with its effective rules; and the
 * floating IPs pointed at its containers. "Live" is every state but `deleted`. Read in the caller's
 * transaction when given one (a claim's snapshot), else statement by statement.
 */
@Injectable()
export class DataplaneService {
  constructor(
    private readonly ds: DataSource,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async forHost(hostId: HostId, em: EntityManager = this.ds.manager): Promise<AgentDataplane> {
    // Taken before anything is read, so that a data plane is never dated later than what it saw.
    const [clock] = await em.query<{ at: Date }[]>(`SELECT now() AS at`);
    const readAt = (clock?.at ?? new Date()).toISOString();
    const nics = await em.query<NicRow[]>(
      `SELECT a.container_id, a.network_id, a.ip, a.mac
         FROM ip_allocations a JOIN containers c ON c.id = a.container_id
        WHERE c.host_id = $1 AND c.state <> 'deleted'
        ORDER BY a.container_id, a.nic_index`,
      [hostId],
    );
    const containerIds = [...new Set(nics.map((n) => n.container_id))];
    const networkIds = [...new Set(nics.map((n) => n.network_id))];
    if (containerIds.length === 0) return { hostId, readAt, networks: [], ports: [], floatingIps: [] };

    const [networkRows, memberRows, ownHost, attachments, fipRows] = await Promise.all([
      em.query<NetworkRow[]>(`SELECT id, vni, cidr, gateway FROM networks WHERE id = ANY($1) ORDER BY id`, [
        networkIds,
      ]),
      em.query<MemberRow[]>(
        `SELECT a.network_id, c.name, a.ip, c.host_id, h.address
           FROM ip_allocations a
           JOIN containers c ON c.id = a.container_id
           LEFT JOIN hosts h ON h.id = c.host_id
          WHERE a.network_id = ANY($1) AND c.state <> 'deleted'
          ORDER BY a.network_id, c.name`,
        [networkIds],
      ),
      em.query<{ address: string }[]>(`SELECT address FROM hosts WHERE id = $1`, [hostId]),
      em.query<{ container_id: ContainerId; group_id: SecurityGroupId }[]>(
        `SELECT container_id, group_id FROM container_security_groups WHERE container_id = ANY($1)`,
        [containerIds],
      ),
      em.query<{ address: string; container_id: ContainerId }[]>(
        `SELECT f.address, f.container_id
           FROM floating_ips f JOIN containers c ON c.id = f.container_id
          WHERE f.released_at IS NULL AND c.host_id = $1 AND c.state <> 'deleted'
          ORDER BY f.address`,
        [hostId],
      ),
    ]);
    const ownAddress = ownHost[0]?.address ?? null;

    const networks: AgentNetwork[] = networkRows.map((n) => {
      const members = memberRows.filter((m) => m.network_id === n.id);
      const peers = new Set<string>();
      for (const m of members) {
        if (m.host_id !== hostId && m.address !== null && m.address !== ownAddress) peers.add(m.address);
      }
      return {
        id: n.id,
        vni: n.vni,
        cidr: n.cidr,
        gateway: n.gateway,
        mtu: this.config.networkMtu,
        peers: [...peers].sort(),
        members: members.map((m) => ({ name: m.name, ip: m.ip })),
      };
    });
    const cidrOf = new Map(networkRows.map((n) => [n.id, n.cidr]));

    // Groups of each container, their rules, and the members of every group a rule names.
    const groupsOf = new Map<ContainerId, SecurityGroupId[]>();
    for (const a of attachments)
      groupsOf.set(a.container_id, [...(groupsOf.get(a.container_id) ?? []), a.group_id]);
    const groupIds = [...new Set(attachments.map((a) => a.group_id))];
    const ruleRows: RuleRow[] =
      groupIds.length === 0
        ? []
        : await em.query(
            `SELECT group_id, direction, protocol, port_from, port_to, cidr, remote_group_id
               FROM security_rules WHERE group_id = ANY($1) ORDER BY id`,
            [groupIds],
          );
    const rulesOf = new Map<SecurityGroupId, GroupRule[]>();
    for (const r of ruleRows) {
      rulesOf.set(r.group_id, [
        ...(rulesOf.get(r.group_id) ?? []),
        {
          direction: r.direction,
          protocol: r.protocol,
          portFrom: r.port_from,
          portTo: r.port_to,
          cidr: r.cidr,
          remoteGroupId: r.remote_group_id,
        },
      ]);
    }
    const remoteIds = [
      ...new Set(ruleRows.map((r) => r.remote_group_id).filter((g): g is SecurityGroupId => g !== null)),
    ];
    const remoteRows: { group_id: SecurityGroupId; ip: string }[] =
      remoteIds.length === 0
        ? []
        : await em.query(
            `SELECT m.group_id, a.ip
               FROM container_security_groups m
               JOIN containers c ON c.id = m.container_id
               JOIN ip_allocations a ON a.container_id = c.id
              WHERE m.group_id = ANY($1) AND c.state <> 'deleted'`,
            [remoteIds],
          );
    const memberIps = new Map<string, string[]>();
    for (const r of remoteRows) memberIps.set(r.group_id, [...(memberIps.get(r.group_id) ?? []), r.ip]);

    const nicsOf = new Map<ContainerId, NicRow[]>();
    for (const n of nics) nicsOf.set(n.container_id, [...(nicsOf.get(n.container_id) ?? []), n]);

    const ports: AgentPort[] = [];
    for (const [containerId, own] of nicsOf) {
      const rules = effectiveRules({
        networkCidrs: own.map((n) => cidrOf.get(n.network_id)).filter((c): c is string => c !== undefined),
        groups: (groupsOf.get(containerId) ?? []).map((g) => ({ rules: rulesOf.get(g) ?? [] })),
        groupMemberIps: memberIps,
      });
      for (const n of own) {
        ports.push({
          containerId,
          networkId: n.network_id,
          ip: n.ip,
          mac: n.mac,
          ingress: rules.ingress,
          egress: rules.egress,
        });
      }
    }

    const floatingIps: AgentFloatingIp[] = [];
    for (const f of fipRows) {
      // The first NIC (eth0) carries the container's default route, so its address is the one to NAT to.
      const primary = nicsOf.get(f.container_id)?.[0];
      if (primary)
        floatingIps.push({ address: f.address, containerId: f.container_id, privateIp: primary.ip });
    }
    return { hostId, readAt, networks, ports, floatingIps };
  }
}
