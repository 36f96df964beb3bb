import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@berth/domain';

/** The operator's quota overrides for one tenant; a null limit is the configured default. */
@Entity({ name: 'tenant_quotas' })
export class TenantQuotaEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'integer', nullable: true })
  containers!: number | null;

  @Column({ type: 'integer', nullable: true })
  vcpus!: number | null;

  @Column({ name: 'memory_mib', type: 'integer', nullable: true })
  memoryMib!: number | null;

  @Column({ name: 'volume_gb', type: 'integer', nullable: true })
  volumeGb!: number | null;

  @Column({ type: 'integer', nullable: true })
  snapshots!: number | null;

  @Column({ name: 'floating_ips', type: 'integer', nullable: true })
  floatingIps!: number | null;

  @Column({ type: 'integer', nullable: true })
  networks!: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
