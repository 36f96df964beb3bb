import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId, UsageId, UsageMeter, UsageResourceType } from '@berth/domain';

/** One stretch of usage of one resource on one meter; open while `ended_at` is null. */
@Entity({ name: 'usage_intervals' })
export class UsageIntervalEntity {
  @PrimaryColumn({ type: 'text' })
  id!: UsageId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ name: 'resource_type', type: 'text' })
  resourceType!: UsageResourceType;

  @Column({ name: 'resource_id', type: 'text' })
  resourceId!: string;

  @Column({ type: 'text' })
  meter!: UsageMeter;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'min_seconds', type: 'integer' })
  minSeconds!: number;

  @Column({ name: 'stripe_value', type: 'bigint', nullable: true })
  stripeValue!: string | null;

  @Column({ name: 'stripe_sent_at', type: 'timestamptz', nullable: true })
  stripeSentAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
