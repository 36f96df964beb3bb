import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NetworkId, TenantId } from '@berth/domain';

/**
 * A tenant's private network: one VXLAN segment (its VNI) bridged on every host that has a member.
 * Deleting only stamps `deleted_at`: the name is free again, the VNI is never given out twice.
 */
@Entity({ name: 'networks' })
export class NetworkEntity {
  @PrimaryColumn({ type: 'text' })
  id!: NetworkId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  /** Canonical `a.b.c.d/n`. */
  @Column({ type: 'text' })
  cidr!: string;

  /** The first usable address; the host's bridge answers there. */
  @Column({ type: 'text' })
  gateway!: string;

  @Column({ type: 'integer' })
  vni!: number;

  @Column({ name: 'is_default', type: 'boolean' })
  isDefault!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
