import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, HostId, SecurityGroupId } from '@berth/domain';

/** A group attached to a container; the row goes when either is deleted. */
@Entity({ name: 'container_security_groups' })
export class ContainerSecurityGroupEntity {
  @PrimaryColumn({ name: 'container_id', type: 'text' })
  containerId!: ContainerId;

  @PrimaryColumn({ name: 'group_id', type: 'text' })
  groupId!: SecurityGroupId;

  /**
   * The container's host while it is live, null once it is deleted; kept so by triggers on containers,
   * for finding the hosts of a group's live containers.
   */
  @Column({ name: 'live_host_id', type: 'text', nullable: true, insert: false, update: false })
  liveHostId!: HostId | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
