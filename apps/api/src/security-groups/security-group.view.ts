import type { SecurityGroupView, SecurityRuleView } from '@berth/contracts';
import type { SecurityGroupEntity, SecurityRuleEntity } from '@berth/db';

export function securityRuleView(r: SecurityRuleEntity): SecurityRuleView {
  return {
    id: r.id,
    direction: r.direction,
    protocol: r.protocol,
    portFrom: r.portFrom,
    portTo: r.portTo,
    cidr: r.cidr,
    remoteGroupId: r.remoteGroupId,
  };
}

export function securityGroupView(
  g: SecurityGroupEntity,
  rules: readonly SecurityRuleEntity[],
): SecurityGroupView {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    rules: rules.map(securityRuleView),
    createdAt: g.createdAt.toISOString(),
  };
}
