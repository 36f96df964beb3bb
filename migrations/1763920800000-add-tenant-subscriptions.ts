import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's Stripe subscription (issue 16: "Stripe invoices berth's usage"): the billing worker
 * subscribes each tenant with a Stripe customer to berth's metered prices, one per meter, and records
 * the subscription here; a canceled or missing one is replaced and the new id recorded.
 */
export class AddTenantSubscriptions1763920800000 implements MigrationInterface {
  name = 'AddTenantSubscriptions1763920800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN stripe_subscription_id text`);
    await q.query(
      `CREATE UNIQUE INDEX tenants_stripe_subscription_uq ON tenants (stripe_subscription_id)
        WHERE stripe_subscription_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN stripe_subscription_id`);
  }
}
