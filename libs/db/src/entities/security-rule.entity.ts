import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RuleDirection, RuleProtocol, SecurityGroupId, SecurityRuleId } from '@berth/domain';

/** One allow rule of a group: exactly one of `cidr` and `remoteGroupId` is set. */
@Entity({ name: 'security_rules' })
export class SecurityRuleEntity {
  @PrimaryColumn({ type: 'text' })
  id!: SecurityRuleId;

  @Column({ name: 'group_id', type: 'text' })
  groupId!: SecurityGroupId;

  @Column({ type: 'text' })
  direction!: RuleDirection;

  @Column({ type: 'text' })
  protocol!: RuleProtocol;

  @Column({ name: 'port_from', type: 'integer', nullable: true })
  portFrom!: number | null;

  @Column({ name: 'port_to', type: 'integer', nullable: true })
  portTo!: number | null;

  @Column({ type: 'text', nullable: true })
  cidr!: string | null;

  @Column({ name: 'remote_group_id', type: 'text', nullable: true })
  remoteGroupId!: SecurityGroupId | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
