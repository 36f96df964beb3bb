import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage intervals hold only meters and resource types berth knows (libs/domain/src/pricing.ts). The
 * billing worker cuts and sends rows by meter; a row with an unknown one could be neither rated nor
 * sent, and would come back on every pass. Refusing it at the table is the one place that covers every
 * writer. Widen these lists in a new migration when a meter is added.
 */
export class CheckUsageMeters1763805600000 implements MigrationInterface {
  name = 'CheckUsageMeters1763805600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE usage_intervals
        ADD CONSTRAINT usage_intervals_meter_check CHECK (meter IN (
          'container.s1', 'container.s2', 'container.s3', 'container.s4', 'container.m1', 'container.m2',
          'container.m3', 'container.l1', 'container.l2', 'container.l3', 'volume.gib', 'snapshot.gib', 'fip')),
        ADD CONSTRAINT usage_intervals_resource_type_check CHECK (
          resource_type IN ('container', 'volume', 'snapshot', 'floating_ip'))`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
