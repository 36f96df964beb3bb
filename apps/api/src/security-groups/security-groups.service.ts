import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ContainerView, Page, SecurityGroupView } from '@berth/contracts';
import {
  ContainerRepository,
  ContainerNetworkingRepository,
  ContainerSecurityGroupEntity,
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  inTransaction,
  pageOf,
  SecurityGroupEntity,
  SecurityGroupRepository,
  SecurityRuleEntity,
} from '@berth/db';
import {
  ANYWHERE,
  describeRule,
  DomainError,
  newId,
  validateSecurityRule,
  type HostId,
  type SecurityGroupId,
  type SecurityRuleSpec,
  type TenantId,
} from '@berth/domain';
import { onUniqueViolation } from '../common/unique-violation';
import { containerView } from '../containers/container.view';
import {
  attachGroups,
  hostsOfGroupMembers,
  hostsReferencingGroups,
  MAX_GROUPS_PER_CONTAINER,
  networkingOf,
  securityGroupNotFound,
  tooManyGroups,
} from '../networks/container-networking';
import { AgentQueuesService } from '../queue/agent-queues.service';
import type { CreateSecurityGroupDto, SecurityRuleDto } from './dto/security-group.dto';
import { securityGroupView } from './security-group.view';

/** A group holds at most this many rules (as an AWS security group). */
export const MAX_RULES_PER_GROUP = 60;

const DEFAULT_EGRESS: SecurityRuleSpec = {
  direction: 'egress',
  protocol: 'all',
  portFrom: null,
  portTo: null,
  cidr: ANYWHERE,
  remoteGroup: null,
};

/**
 * Security groups: named sets of allow rules attached to containers. Every change that alters what a
 * host enforces nudges that host (`host.sync`) after the transaction commits.
 */
@Injectable()
export class SecurityGroupsService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
  ) {}

  /** A new group gets the rules given and, unless one of them is an egress rule, "egress all to anywhere". */
  async create(tenantId: TenantId, dto: CreateSecurityGroupDto): Promise<SecurityGroupView> {
    const specs = (dto.rules ?? []).map((r, i) => inRule(i, () => toSpec(r)));
    if (!specs.some((s) => s.direction === 'egress')) specs.unshift(DEFAULT_EGRESS);
    const view = await onUniqueViolation(
      'security_groups_tenant_name_uq',
      () => nameTaken(dto.name),
      () =>
        inTransaction(this.ds, async (em) => {
          if (await new SecurityGroupRepository(em).findByRef(tenantId, dto.name)) throw nameTaken(dto.name);
          const group = await em.save(
            em.create(SecurityGroupEntity, {
              id: newId('sg'),
              tenantId,
              name: dto.name,
              description: dto.description ?? '',
              createdAt: new Date(),
            }),
          );
          for (const spec of specs) await this.insertRule(em, tenantId, group, spec);
          return this.viewOf(em, tenantId, group);
        }),
    );
    // A new group has no members: no host enforces it yet.
    return view;
  }

  async list(
    tenantId: TenantId,
    limit = DEFAULT_PAGE_LIMIT,
    cursor?: string,
  ): Promise<Page<SecurityGroupView>> {
    const after = decodeCursor(cursor);
    const repo = new SecurityGroupRepository(this.ds.manager);
    const result = await repo.list(tenantId, { limit, ...(after ? { after } : {}) });
    const rules = await repo.rulesOf(
      tenantId,
      result.items.map((g) => g.id),
    );
    return pageOf(
      result,
      (g) => securityGroupView(g, rules.get(g.id) ?? []),
      (g) => g.id,
    );
  }

  async get(tenantId: TenantId, ref: string): Promise<SecurityGroupView> {
    const g = await new SecurityGroupRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!g) throw securityGroupNotFound(ref);
    return this.viewOf(this.ds.manager, tenantId, g);
  }

  /** Refused while the group is attached to a container or named by another group's rule. */
  async remove(tenantId: TenantId, ref: string): Promise<SecurityGroupView> {
    return inTransaction(this.ds, async (em) => {
      const g = await new SecurityGroupRepository(em).lockByRef(tenantId, ref);
      if (!g) throw securityGroupNotFound(ref);
      const members = await new ContainerNetworkingRepository(em).liveMemberNames(g.id, 4);
      if (members.length > 0) {
        const names = members.slice(0, 3);
        throw new DomainError(
          'security_group/in_use',
          `security group ${g.name} is attached to ${names.join(', ')}${members.length > 3 ? ' and others' : ''}; detach it first`,
          { containers: names },
        );
      }
      const referrers = await new SecurityGroupRepository(em).namesReferencing(g.id, 4);
      if (referrers.length > 0) {
        const names = referrers.slice(0, 3);
        throw new DomainError(
          'security_group/in_use',
          `security group ${g.name} is named by rules of ${names.join(', ')}${referrers.length > 3 ? ' and others' : ''}; remove those rules first`,
          { groups: names },
        );
      }
      const view = await this.viewOf(em, tenantId, g);
      // Rows of containers deleted before networking existed would hold the foreign key.
      await em.delete(ContainerSecurityGroupEntity, { groupId: g.id });
      await em.delete(SecurityGroupEntity, { id: g.id });
      return view;
    });
  }

  /** Adds a rule; adding one the group already has changes nothing. */
  async addRule(tenantId: TenantId, ref: string, dto: SecurityRuleDto): Promise<SecurityGroupView> {
    const spec = toSpec(dto);
    const { view, hosts } = await inTransaction(this.ds, async (em) => {
      const repo = new SecurityGroupRepository(em);
      const found = await repo.findByRef(tenantId, ref);
      if (!found) throw securityGroupNotFound(ref);
      const selfRef =
        spec.remoteGroup !== null && (spec.remoteGroup === found.id || spec.remoteGroup === found.name);
      const remote =
        spec.remoteGroup === null || selfRef ? null : await repo.findByRef(tenantId, spec.remoteGroup);
      if (spec.remoteGroup !== null && !selfRef && !remote) throw securityGroupNotFound(spec.remoteGroup);
      // Lock the group (its rules change) and the remote one (it must not be deleted meanwhile) in id
      // order, so that two groups gaining rules that name each other never wait on each other.
      const ids = [found.id, ...(remote ? [remote.id] : [])].sort();
      const locked = await repo.lockIds(tenantId, ids);
      if (!locked.includes(found.id)) throw securityGroupNotFound(ref);
      if (remote && !locked.includes(remote.id)) throw securityGroupNotFound(spec.remoteGroup ?? '');
      await this.insertRule(em, tenantId, found, spec);
      return {
        view: await this.viewOf(em, tenantId, found),
        hosts: await hostsOfGroupMembers(em, [found.id]),
      };
    });
    void this.queues.nudgeHosts(hosts);
    return view;
  }

  async removeRule(tenantId: TenantId, ref: string, ruleId: string): Promise<SecurityGroupView> {
    const { view, hosts } = await inTransaction(this.ds, async (em) => {
      const g = await new SecurityGroupRepository(em).lockByRef(tenantId, ref);
      if (!g) throw securityGroupNotFound(ref);
      const result = await em.delete(SecurityRuleEntity, {
        id: ruleId as SecurityRuleEntity['id'],
        groupId: g.id,
      });
      if (!result.affected) {
        throw new DomainError('security_rule/not_found', `security group ${g.name} has no rule ${ruleId}`);
      }
      return { view: await this.viewOf(em, tenantId, g), hosts: await hostsOfGroupMembers(em, [g.id]) };
    });
    void this.queues.nudgeHosts(hosts);
    return view;
  }

  /** Attaches a group to a live container (the container's ports then get the groups' rules only). */
  async attach(tenantId: TenantId, containerRef: string, groupRef: string): Promise<ContainerView> {
    const { view, hosts } = await inTransaction(this.ds, async (em) => {
      const c = await new ContainerRepository(em).lockByRef(tenantId, containerRef);
      if (!c) throw containerNotFound(containerRef);
      const g = await new SecurityGroupRepository(em).lockByRef(tenantId, groupRef, 'share');
      if (!g) throw securityGroupNotFound(groupRef);
      const current = await new ContainerNetworkingRepository(em).groupsOf([c.id]);
      if (!current.some((r) => r.groupId === g.id)) {
        if (current.length >= MAX_GROUPS_PER_CONTAINER) throw tooManyGroups();
        await attachGroups(em, c.id, [g.id]);
      }
      const hosts: (HostId | null)[] = [c.hostId, ...(await hostsReferencingGroups(em, [g.id]))];
      return { view: containerView(c, await networkingOf(em, c.id)), hosts };
    });
    void this.queues.nudgeHosts(hosts);
    return view;
  }

  /** Detaches a group; detaching one the container does not have changes nothing. */
  async detach(tenantId: TenantId, containerRef: string, groupRef: string): Promise<ContainerView> {
    const { view, hosts } = await inTransaction(this.ds, async (em) => {
      const c = await new ContainerRepository(em).lockByRef(tenantId, containerRef);
      if (!c) throw containerNotFound(containerRef);
      const g = await new SecurityGroupRepository(em).findByRef(tenantId, groupRef);
      if (!g) throw securityGroupNotFound(groupRef);
      await em.delete(ContainerSecurityGroupEntity, { containerId: c.id, groupId: g.id });
      const hosts: (HostId | null)[] = [c.hostId, ...(await hostsReferencingGroups(em, [g.id]))];
      return { view: containerView(c, await networkingOf(em, c.id)), hosts };
    });
    void this.queues.nudgeHosts(hosts);
    return view;
  }

  /**
   * Inserts one rule into `group` (locked or new, in this transaction), resolving a remote group among
   * the tenant's own (the group itself included) and locking it against deletion.
   */
  private async insertRule(
    em: EntityManager,
    tenantId: TenantId,
    group: SecurityGroupEntity,
    spec: SecurityRuleSpec,
  ): Promise<void> {
    let remoteGroupId: SecurityGroupId | null = null;
    if (spec.remoteGroup !== null) {
      if (spec.remoteGroup === group.id || spec.remoteGroup === group.name) {
        remoteGroupId = group.id;
      } else {
        const remote = await new SecurityGroupRepository(em).lockByRef(tenantId, spec.remoteGroup, 'share');
        if (!remote) throw securityGroupNotFound(spec.remoteGroup);
        remoteGroupId = remote.id;
      }
    }
    const existing = await em.find(SecurityRuleEntity, { where: { groupId: group.id } });
    const same = existing.some(
      (r) =>
        r.direction === spec.direction &&
        r.protocol === spec.protocol &&
        r.portFrom === spec.portFrom &&
        r.portTo === spec.portTo &&
        r.cidr === spec.cidr &&
        r.remoteGroupId === remoteGroupId,
    );
    if (same) return;
    if (existing.length >= MAX_RULES_PER_GROUP) {
      throw new DomainError(
        'quota/exceeded',
        `security group ${group.name} already has ${MAX_RULES_PER_GROUP} rules; cannot add ${describeRule(spec)}`,
        { max: MAX_RULES_PER_GROUP },
      );
    }
    await em.save(
      em.create(SecurityRuleEntity, {
        id: newId('sgr'),
        groupId: group.id,
        direction: spec.direction,
        protocol: spec.protocol,
        portFrom: spec.portFrom,
        portTo: spec.portTo,
        cidr: spec.cidr,
        remoteGroupId,
        createdAt: new Date(),
      }),
    );
  }

  private async viewOf(
    em: EntityManager,
    tenantId: TenantId,
    g: SecurityGroupEntity,
  ): Promise<SecurityGroupView> {
    const rules = await new SecurityGroupRepository(em).rulesOf(tenantId, [g.id]);
    return securityGroupView(g, rules.get(g.id) ?? []);
  }
}

function toSpec(dto: SecurityRuleDto): SecurityRuleSpec {
  return validateSecurityRule({
    direction: dto.direction,
    protocol: dto.protocol,
    portFrom: dto.portFrom,
    portTo: dto.portTo,
    cidr: dto.cidr,
    remoteGroup: dto.remoteGroup,
  });
}

/** Says which of the request's rules a validation error is about. */
function inRule<T>(index: number, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'request/invalid') {
      throw new DomainError('request/invalid', `rules[${index}]: ${err.message}`, {
        ...err.details,
        rule: index,
      });
    }
    throw err;
  }
}

function nameTaken(name: string): DomainError {
  return new DomainError(
    'security_group/name_taken',
    `a security group named ${name} already exists; pick another name or delete it`,
  );
}

function containerNotFound(ref: string): DomainError {
  return new DomainError('container/not_found', `container ${ref} does not exist`);
}
