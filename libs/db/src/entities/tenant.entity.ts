import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@berth/domain';

export type TenantState = 'active' | 'suspended';
/** past_due: Stripe reported a failed payment; the tenant cannot start new containers until one succeeds. */
export type BillingStatus = 'active' | 'past_due';

@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn({ type: 'text' })
  id!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  state!: TenantState;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;

  @Column({ name: 'billing_status', type: 'text' })
  billingStatus!: BillingStatus;

  @Column({ name: 'billing_status_changed_at', type: 'timestamptz', nullable: true })
  billingStatusChangedAt!: Date | null;

  @Column({ name: 'stripe_customer_id', type: 'text', nullable: true })
  stripeCustomerId!: string | null;
}
