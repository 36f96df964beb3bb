import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, SecurityGroupId } from '@berth/domain';

/** A group attached to a container; the row goes when either is deleted. */
@Entity({ name: 'container_security_groups' })
export class ContainerSecurityGroupEntity {
  @PrimaryColumn({ name: 'container_id', type: 'text' })
  containerId!: ContainerId;

  @PrimaryColumn({ name: 'group_id', type: 'text' })
  groupId!: SecurityGroupId;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
