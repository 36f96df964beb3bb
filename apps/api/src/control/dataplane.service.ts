import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AgentDataplane, AgentFloatingIp, AgentNetwork, AgentPort } from '@berth/contracts';
import { effectiveRules, type ContainerId, type GroupRule, type HostId } from '@berth/domain';
import { DataplaneRepository, type DataplaneReading, type DataplaneRuleRow } from '@berth/db';
import { API_CONFIG, type ApiConfig } from '../config.provider';

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

  /** The host's whole data plane (the agent's periodic and nudged passes). */
  async forHost(hostId: HostId, em: EntityManager = this.ds.manager): Promise<AgentDataplane> {
    // One statement, so one snapshot even outside a transaction: dated by the database's clock as it ran.
    return this.compose(hostId, await new DataplaneRepository(em).read(hostId), undefined);
  }

  /**
   * The part of the host's data plane that concerns these of its containers (a claim's): their ports
   * and floating IPs and their networks whole. Its cost follows those networks, not the host's load.
   */
  async forContainers(
    hostId: HostId,
    containerIds: readonly ContainerId[],
    em: EntityManager = this.ds.manager,
  ): Promise<AgentDataplane> {
    const reading = await new DataplaneRepository(em).read(hostId, containerIds);
    return this.compose(hostId, reading, { containerIds: [...containerIds] });
  }

  private compose(hostId: HostId, reading: DataplaneReading, scope: AgentDataplane['scope']): AgentDataplane {
    const readAt = reading.at.toISOString();
    const { nics, address: ownAddress } = reading;
    const head = scope ? { hostId, readAt, scope } : { hostId, readAt };
    if (nics.length === 0) return { ...head, networks: [], ports: [], floatingIps: [] };

    // Members grouped once (a host on many networks has many members: a filter per network was quadratic).
    const membersOf = groupBy(reading.members, (m) => m.network_id);
    const networks: AgentNetwork[] = reading.networks.map((n) => {
      const members = membersOf.get(n.id) ?? [];
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
    const cidrOf = new Map(reading.networks.map((n) => [n.id, n.cidr]));

    // Groups of each container, their rules, and the members of every group a rule names.
    const groupsOf = groupBy(reading.attachments, (a) => a.container_id);
    const rulesOf = new Map(
      [...groupBy(reading.rules, (r) => r.group_id)].map(([g, rows]) => [g, rows.map(groupRuleOf)]),
    );
    const memberIps = new Map(
      [...groupBy(reading.memberIps, (r) => r.group_id)].map(([g, rows]) => [g, rows.map((r) => r.ip)]),
    );
    const nicsOf = groupBy(nics, (n) => n.container_id);

    const ports: AgentPort[] = [];
    for (const [containerId, own] of nicsOf) {
      const rules = effectiveRules({
        networkCidrs: own.map((n) => cidrOf.get(n.network_id)).filter((c): c is string => c !== undefined),
        groups: (groupsOf.get(containerId) ?? []).map((a) => ({ rules: rulesOf.get(a.group_id) ?? [] })),
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
    for (const f of reading.floatingIps) {
      // The first NIC (eth0) carries the container's default route, so its address is the one to NAT to.
      const primary = nicsOf.get(f.container_id)?.[0];
      if (primary)
        floatingIps.push({ address: f.address, containerId: f.container_id, privateIp: primary.ip });
    }
    return { ...head, networks, ports, floatingIps };
  }
}

/** The rows by key, each group in the rows' order. */
function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const group = out.get(key(r));
    if (group) group.push(r);
    else out.set(key(r), [r]);
  }
  return out;
}

function groupRuleOf(r: DataplaneRuleRow): GroupRule {
  return {
    direction: r.direction,
    protocol: r.protocol,
    portFrom: r.port_from,
    portTo: r.port_to,
    cidr: r.cidr,
    remoteGroupId: r.remote_group_id,
  };
}
