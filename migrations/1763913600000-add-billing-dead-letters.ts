import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Meter events that never bill twice and never block (issue 16).
 *
 * - `usage_intervals.stripe_first_attempt_at`: when the worker first tried to send the interval,
 *   written (and committed) before it calls Stripe. Stripe keeps a meter event's identifier unique for
 *   "a rolling period of at least 24 hours", not for ever: an interval still unacknowledged long after
 *   its first attempt may have reached Stripe, and sending it again could bill it twice. The worker
 *   sends such an interval only inside the window and gives the rest to the operator.
 * - `usage_intervals.stripe_dead_lettered_at`, and `billing_dead_letters`: an interval Stripe refused
 *   for a lasting reason (or one past the identifier window) with Stripe's reason, for the operator;
 *   later batches go on without it.
 * - `billing_reconciliations.unsettled`: pairs a pass did not compare because Stripe may not have
 *   summed their latest events yet (reconciliation no longer re-sends anything: `resent` stays for the
 *   passes recorded before).
 */
export class AddBillingDeadLetters1763913600000 implements MigrationInterface {
  name = 'AddBillingDeadLetters1763913600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE usage_intervals ADD COLUMN stripe_first_attempt_at timestamptz,
                                   ADD COLUMN stripe_dead_lettered_at timestamptz`,
    );
    // Unsent means neither acknowledged nor given up on.
    await q.query(`DROP INDEX usage_intervals_unsent_idx`);
    await q.query(
      `CREATE INDEX usage_intervals_unsent_idx ON usage_intervals (ended_at)
        WHERE ended_at IS NOT NULL AND stripe_sent_at IS NULL AND stripe_dead_lettered_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE billing_dead_letters (
        id text PRIMARY KEY,
        interval_id text NOT NULL UNIQUE REFERENCES usage_intervals(id),
        tenant_id text NOT NULL REFERENCES tenants(id),
        meter text NOT NULL,
        value bigint NOT NULL CHECK (value >= 0),
        event_timestamp timestamptz NOT NULL,
        reason text NOT NULL CHECK (reason IN ('refused', 'identifier_window_passed')),
        stripe_status integer,
        stripe_code text,
        message text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `ALTER TABLE billing_reconciliations ADD COLUMN unsettled integer NOT NULL DEFAULT 0 CHECK (unsettled >= 0)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE billing_reconciliations DROP COLUMN unsettled`);
    await q.query(`DROP TABLE billing_dead_letters`);
    await q.query(`DROP INDEX usage_intervals_unsent_idx`);
    await q.query(
      `CREATE INDEX usage_intervals_unsent_idx ON usage_intervals (ended_at) WHERE ended_at IS NOT NULL AND stripe_sent_at IS NULL`,
    );
    await q.query(
      `ALTER TABLE usage_intervals DROP COLUMN stripe_first_attempt_at, DROP COLUMN stripe_dead_lettered_at`,
    );
  }
}
