import type { EntityManager } from 'typeorm';
import { updatedRows } from '../updated-rows';
import type { TenantId } from '@berth/domain';
import { TenantEntity, type BillingStatus } from '../entities/tenant.entity';

/** Tenants' own rows. */
export class TenantRepository {
  constructor(private readonly em: EntityManager) {}

  exists(tenantId: string): Promise<boolean> {
    return this.em.existsBy(TenantEntity, { id: tenantId as TenantId });
  }

  /** The tenant's billing standing, or null when there is no such tenant. */
  async billingStatusOf(tenantId: TenantId): Promise<BillingStatus | null> {
    const row = await this.em.findOne(TenantEntity, {
      select: { id: true, billingStatus: true },
      where: { id: tenantId },
    });
    return row?.billingStatus ?? null;
  }

  /**
   * Sets the billing standing of the tenant that is Stripe's `customer`, unless a later change is
   * already recorded (Stripe's events may arrive out of order); returns the ids of the tenants changed.
   */
  async setBillingStatusOfCustomer(customer: string, standing: BillingStatus, at: Date): Promise<TenantId[]> {
    const changed = updatedRows<{ id: TenantId }>(
      await this.em.query(
        `UPDATE tenants SET billing_status = $2, billing_status_changed_at = $3
          WHERE stripe_customer_id = $1 AND (billing_status_changed_at IS NULL OR billing_status_changed_at <= $3)
          RETURNING id`,
        [customer, standing, at],
      ),
    );
    return changed.map((t) => t.id);
  }

  /** Up to 100 tenants, in id order, with usage to send to Stripe and no Stripe customer yet. */
  needingCustomer(): Promise<{ id: TenantId; name: string }[]> {
    return this.em.query(
      `SELECT t.id, t.name FROM tenants t
        WHERE t.stripe_customer_id IS NULL
          AND EXISTS (SELECT 1 FROM usage_intervals u WHERE u.tenant_id = t.id AND u.ended_at IS NOT NULL AND u.stripe_sent_at IS NULL)
        ORDER BY t.id LIMIT 100`,
    );
  }

  /**
   * Tenants with a Stripe customer, by id after `after`, `limit` of them: with `withoutSubscription`
   * only those that have no subscription recorded yet.
   */
  async withCustomer(opts: {
    readonly withoutSubscription: boolean;
    readonly after?: string;
    readonly limit: number;
  }): Promise<{ id: TenantId; customer: string; subscription: string | null }[]> {
    return this.em.query(
      `SELECT id, stripe_customer_id AS customer, stripe_subscription_id AS subscription FROM tenants
        WHERE stripe_customer_id IS NOT NULL AND (NOT $1::boolean OR stripe_subscription_id IS NULL)
          AND ($2::text IS NULL OR id > $2::text)
        ORDER BY id LIMIT $3`,
      [opts.withoutSubscription, opts.after ?? null, opts.limit],
    );
  }

  /** Records the tenant's Stripe subscription in place of `replacing` (null: it had none). */
  async setSubscription(tenantId: TenantId, subscription: string, replacing: string | null): Promise<void> {
    await this.em.query(
      `UPDATE tenants SET stripe_subscription_id = $2
        WHERE id = $1 AND stripe_subscription_id IS NOT DISTINCT FROM $3`,
      [tenantId, subscription, replacing],
    );
  }

  /** Records the tenant's Stripe customer, unless it already has one (the first one stays). */
  async setCustomerOnce(tenantId: TenantId, customer: string): Promise<void> {
    await this.em.query(
      `UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1 AND stripe_customer_id IS NULL`,
      [tenantId, customer],
    );
  }
}
