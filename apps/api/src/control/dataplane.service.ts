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
    // One statement, so one snapshot even outside a transaction: dated by the database's clock as it ran.
    const reading = await new DataplaneRepository(em).read(hostId);
    const readAt = reading.at.toISOString();
    const { nics, address: ownAddress } = reading;
    if (nics.length === 0) return { hostId, readAt, networks: [], ports: [], floatingIps: [] };

    const networks: AgentNetwork[] = reading.networks.map((n) => {
      const members = reading.members.filter((m) => m.network_id === n.id);
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
    const groupsOf = new Map<ContainerId, SecurityGroupId[]>();
    for (const a of reading.attachments)
      groupsOf.set(a.container_id, [...(groupsOf.get(a.container_id) ?? []), a.group_id]);
    const rulesOf = new Map<SecurityGroupId, GroupRule[]>();
    for (const r of reading.rules) {
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
    const memberIps = new Map<string, string[]>();
    for (const r of reading.memberIps)
      memberIps.set(r.group_id, [...(memberIps.get(r.group_id) ?? []), r.ip]);

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
    for (const f of reading.floatingIps) {
      // The first NIC (eth0) carries the container's default route, so its address is the one to NAT to.
      const primary = nicsOf.get(f.container_id)?.[0];
      if (primary)
        floatingIps.push({ address: f.address, containerId: f.container_id, privateIp: primary.ip });
    }
    return { hostId, readAt, networks, ports, floatingIps };
  }
}
