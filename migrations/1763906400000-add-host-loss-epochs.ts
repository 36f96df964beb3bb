import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A host's losses, counted (issue 15: "the returning host stops its stale copies before it reports
 * anything"). The reaper adds one to `loss_epoch` each time it declares the host lost; the agent says in
 * its heartbeats up to which loss it has resynced (`resynced_epoch`). Until the two agree every heartbeat
 * answers `resync: true`, so an answer lost on the way (a timeout) no longer leaves a returning host
 * unsynced until its agent restarts. A host lost now counts as lost once.
 */
export class AddHostLossEpochs1763906400000 implements MigrationInterface {
  name = 'AddHostLossEpochs1763906400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE hosts ADD COLUMN loss_epoch integer NOT NULL DEFAULT 0,
                         ADD COLUMN resynced_epoch integer NOT NULL DEFAULT 0`,
    );
    await q.query(`UPDATE hosts SET loss_epoch = 1 WHERE state = 'lost'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hosts DROP COLUMN loss_epoch, DROP COLUMN resynced_epoch`);
  }
}
