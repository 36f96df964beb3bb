import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AgentDataplane, AgentFloatingIp, AgentNetwork, AgentPort } from '@berth/contracts';
import {
  effectiveRules,
  type ContainerId,
  type GroupRule,
  type HostId,
  type SecurityGroupId,
} from '@berth/domain';
import { DataplaneRepository, type DataplaneNicRow } from '@berth/db';
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

  async forHost(hostId: HostId, em: EntityManager = this.ds.manager): Promise<AgentDataplane> {
    const reads = new DataplaneRepository(em);
    // Taken before anything is read, so that a data plane is never dated later than what it saw.
    const clock = await reads.clockAndAddress(hostId);
    const readAt = clock.at.toISOString();
    const ownAddress = clock.address;
    const nics = await reads.nicsOnHost(hostId);
    const containerIds = [...new Set(nics.map((n) => n.container_id))];
    const networkIds = [...new Set(nics.map((n) => n.network_id))];
    if (containerIds.length === 0) return { hostId, readAt, networks: [], ports: [], floatingIps: [] };

    const [networkRows, memberRows, attachments, fipRows] = await Promise.all([
      reads.networks(networkIds),
      reads.members(networkIds),
      reads.groupAttachments(containerIds),
      reads.floatingIpsOnHost(hostId),
    ]);

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
    const ruleRows = await reads.rules(groupIds);
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
    const remoteRows = await reads.memberIps(remoteIds);
    const memberIps = new Map<string, string[]>();
    for (const r of remoteRows) memberIps.set(r.group_id, [...(memberIps.get(r.group_id) ?? []), r.ip]);

    const nicsOf = new Map<ContainerId, DataplaneNicRow[]>();
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
