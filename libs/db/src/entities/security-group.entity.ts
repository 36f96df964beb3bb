import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SecurityGroupId, TenantId } from '@berth/domain';

/** A named set of allow rules that a tenant attaches to containers. */
@Entity({ name: 'security_groups' })
export class SecurityGroupEntity {
  @PrimaryColumn({ type: 'text' })
  id!: SecurityGroupId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
