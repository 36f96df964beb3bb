import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Metering and billing (issue 7): usage rated and sent to Stripe, tenants' payment standing. */
export class CreateBilling1763798400000 implements MigrationInterface {
  name = 'CreateBilling1763798400000';

  async up(q: QueryRunner): Promise<void> {
    // min_seconds: a start bills at least this much (10 for the first stretch of a container start).
    // stripe_*: what was sent for a closed interval, and when Stripe acknowledged it.
    await q.query(`
      ALTER TABLE usage_intervals
        ADD COLUMN min_seconds integer NOT NULL DEFAULT 0 CHECK (min_seconds >= 0),
        ADD COLUMN stripe_value bigint CHECK (stripe_value >= 0),
        ADD COLUMN stripe_sent_at timestamptz`);
    // The billing worker's queue: closed intervals not yet acknowledged by Stripe.
    await q.query(
      `CREATE INDEX usage_intervals_unsent_idx ON usage_intervals (ended_at) WHERE ended_at IS NOT NULL AND stripe_sent_at IS NULL`,
    );
    await q.query(`CREATE INDEX usage_intervals_resource_idx ON usage_intervals (resource_id, started_at)`);

    await q.query(`
      ALTER TABLE tenants
        ADD COLUMN billing_status text NOT NULL DEFAULT 'active' CHECK (billing_status IN ('active', 'past_due')),
        ADD COLUMN billing_status_changed_at timestamptz,
        ADD COLUMN stripe_customer_id text`);
    await q.query(
      `CREATE UNIQUE INDEX tenants_stripe_customer_uq ON tenants (stripe_customer_id) WHERE stripe_customer_id IS NOT NULL`,
    );

    // Webhook deliveries already applied (Stripe delivers at least once).
    await q.query(`
      CREATE TABLE stripe_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        tenant_id text REFERENCES tenants(id),
        received_at timestamptz NOT NULL
      )`);

    // Each reconciliation pass: what Postgres said, what Stripe had, what was sent again.
    await q.query(`
      CREATE TABLE billing_reconciliations (
        id bigserial PRIMARY KEY,
        ran_at timestamptz NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        checked integer NOT NULL,
        resent integer NOT NULL,
        drift jsonb NOT NULL
      )`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
