import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, FloatingIpId, TenantId } from '@berth/domain';

/**
 * A public address from the operator's pool, held by a tenant from `created_at` until `released_at`
 * (billed per second in between). Released rows stay for billing; only live ones hold their address.
 */
@Entity({ name: 'floating_ips' })
export class FloatingIpEntity {
  @PrimaryColumn({ type: 'text' })
  id!: FloatingIpId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  address!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'container_id', type: 'text', nullable: true })
  containerId!: ContainerId | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;
}
