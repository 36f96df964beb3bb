import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * NIC allocation and peer discovery without reading every container of a network (issue 15).
 *
 * Addresses: a NIC records its slot (host number after the gateway, as libs/domain nicSlotAddress
 * counts). Each network has a mark, the next slot never given out, in its own table so that taking it
 * never upgrades the share lock creates hold on the network row; slots freed below the mark wait in a
 * free list, lowest taken first. Both are backfilled here from the NICs that exist.
 *
 * Peers: each NIC and group attachment carries its container's host while the container is live
 * (live_host_id: null once it is deleted), kept so by triggers on containers (a container may move to
 * another host), and indexed by (network, host) and (group, host), so that the hosts of a network's or a
 * group's live containers are read by skipping from one host to the next.
 */
export class IndexNetworkAddresses1763863200000 implements MigrationInterface {
  name = 'IndexNetworkAddresses1763863200000';

  async up(q: QueryRunner): Promise<void> {
    // Tenant networks are /16 to /29, whose host n is network + 1 + n; slot 0 is the gateway.
    await q.query(`ALTER TABLE ip_allocations ADD COLUMN slot integer, ADD COLUMN live_host_id text`);
    await q.query(`
      UPDATE ip_allocations a
         SET slot = (a.ip::inet - network(n.cidr::inet))::integer - 1,
             live_host_id = CASE WHEN c.state = 'deleted' THEN NULL ELSE c.host_id END
        FROM networks n, containers c
       WHERE n.id = a.network_id AND c.id = a.container_id`);
    await q.query(`ALTER TABLE ip_allocations ALTER COLUMN slot SET NOT NULL, ADD CHECK (slot >= 1)`);
    await q.query(
      `CREATE INDEX ip_allocations_network_host_idx ON ip_allocations (network_id, live_host_id)`,
    );

    await q.query(`ALTER TABLE container_security_groups ADD COLUMN live_host_id text`);
    await q.query(`
      UPDATE container_security_groups m
         SET live_host_id = CASE WHEN c.state = 'deleted' THEN NULL ELSE c.host_id END
        FROM containers c WHERE c.id = m.container_id`);
    // (group_id, live_host_id) serves every lookup by group the old index did.
    await q.query(`DROP INDEX container_security_groups_group_idx`);
    await q.query(
      `CREATE INDEX container_security_groups_group_host_idx ON container_security_groups (group_id, live_host_id)`,
    );

    await q.query(`
      CREATE TABLE network_address_marks (
        network_id text PRIMARY KEY REFERENCES networks(id),
        next_slot integer NOT NULL CHECK (next_slot >= 1)
      )`);
    await q.query(`
      CREATE TABLE network_free_slots (
        network_id text NOT NULL REFERENCES networks(id),
        slot integer NOT NULL CHECK (slot >= 1),
        PRIMARY KEY (network_id, slot)
      )`);
    await q.query(`
      INSERT INTO network_address_marks (network_id, next_slot)
      SELECT n.id, COALESCE(max(a.slot), 0) + 1
        FROM networks n LEFT JOIN ip_allocations a ON a.network_id = n.id
       GROUP BY n.id`);
    await q.query(`
      INSERT INTO network_free_slots (network_id, slot)
      SELECT m.network_id, s.slot
        FROM network_address_marks m
        CROSS JOIN LATERAL generate_series(1, m.next_slot - 1) AS s(slot)
       WHERE NOT EXISTS (
         SELECT 1 FROM ip_allocations a WHERE a.network_id = m.network_id AND a.slot = s.slot)`);

    // A NIC or attachment takes its container's host when written. FOR SHARE: a move of the container
    // committing meanwhile is waited for and its host read, and a later move waits for this row, whose
    // host its trigger then rewrites.
    await q.query(`
      CREATE FUNCTION take_live_container_host() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT CASE WHEN state = 'deleted' THEN NULL ELSE host_id END INTO NEW.live_host_id
          FROM containers WHERE id = NEW.container_id FOR SHARE;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER ip_allocations_take_host BEFORE INSERT ON ip_allocations
        FOR EACH ROW EXECUTE FUNCTION take_live_container_host()`);
    await q.query(`
      CREATE TRIGGER container_security_groups_take_host BEFORE INSERT ON container_security_groups
        FOR EACH ROW EXECUTE FUNCTION take_live_container_host()`);
    // Fires only when the container moves or is deleted (or undeleted), not on other state changes.
    await q.query(`
      CREATE FUNCTION follow_live_container_host() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        live_host text := CASE WHEN NEW.state = 'deleted' THEN NULL ELSE NEW.host_id END;
      BEGIN
        UPDATE ip_allocations SET live_host_id = live_host WHERE container_id = NEW.id;
        UPDATE container_security_groups SET live_host_id = live_host WHERE container_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER containers_live_host_followed AFTER UPDATE OF host_id, state ON containers
        FOR EACH ROW WHEN (
          OLD.host_id IS DISTINCT FROM NEW.host_id OR (OLD.state = 'deleted') <> (NEW.state = 'deleted'))
        EXECUTE FUNCTION follow_live_container_host()`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
