import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each host has reserved, kept as counters (host_reservations) instead of summed over every
 * container of every host at each placement (issue 15). A trigger on containers keeps them: a row's
 * share is its vCPUs and memory while its state holds capacity (berth_holds_capacity, which
 * libs/db/src/check-lists.int-spec.ts compares with the domain's CONTAINER_HOLDS_CAPACITY) and its disk
 * while it exists, on its host; every insert, update and delete moves the difference. No writer of
 * containers can forget it.
 *
 * A placement (a new container, or a container moved to another host) must fit: the trigger refuses it
 * with SQLSTATE BRH01 when the host does not accept work or would go past its capacity. The counter row
 * is locked by the update until the transaction ends, so two placements on one host are serialised and
 * never both see the last free slot, while placements on other hosts, and heartbeats (which write
 * `hosts`, not this table), go on. Other changes (an agent's report, a stop) never fail here: a host that
 * re-registered smaller keeps what it runs.
 */
export class TrackHostReservations1763877600000 implements MigrationInterface {
  name = 'TrackHostReservations1763877600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION berth_holds_capacity(state text) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$
          SELECT state IN ('pending', 'creating', 'starting', 'running', 'stopping', 'restarting')
        $$`);
    await q.query(`
      CREATE TABLE host_reservations (
        host_id text PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        vcpu bigint NOT NULL DEFAULT 0,
        memory_mib bigint NOT NULL DEFAULT 0,
        disk_gib bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`
      INSERT INTO host_reservations (host_id, vcpu, memory_mib, disk_gib)
      SELECT h.id,
             COALESCE(SUM(c.vcpu) FILTER (WHERE berth_holds_capacity(c.state)), 0),
             COALESCE(SUM(c.memory_mib) FILTER (WHERE berth_holds_capacity(c.state)), 0),
             COALESCE(SUM(c.disk_gib), 0)
        FROM hosts h
        LEFT JOIN containers c ON c.host_id = h.id AND c.state <> 'deleted'
       GROUP BY h.id`);
    await q.query(`
      CREATE FUNCTION berth_track_host_reservation() RETURNS trigger
        LANGUAGE plpgsql AS $$
      DECLARE
        old_host text := NULL;
        new_host text := NULL;
        old_vcpu bigint := 0; old_memory bigint := 0; old_disk bigint := 0;
        new_vcpu bigint := 0; new_memory bigint := 0; new_disk bigint := 0;
        total record;
        host record;
      BEGIN
        IF TG_OP <> 'INSERT' AND OLD.host_id IS NOT NULL AND OLD.state <> 'deleted' THEN
          old_host := OLD.host_id;
          old_disk := OLD.disk_gib;
          IF berth_holds_capacity(OLD.state) THEN
            old_vcpu := OLD.vcpu; old_memory := OLD.memory_mib;
          END IF;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.host_id IS NOT NULL AND NEW.state <> 'deleted' THEN
          new_host := NEW.host_id;
          new_disk := NEW.disk_gib;
          IF berth_holds_capacity(NEW.state) THEN
            new_vcpu := NEW.vcpu; new_memory := NEW.memory_mib;
          END IF;
        END IF;
        IF old_host IS NOT DISTINCT FROM new_host THEN
          IF old_host IS NULL
             OR (new_vcpu = old_vcpu AND new_memory = old_memory AND new_disk = old_disk) THEN
            RETURN NULL;
          END IF;
          UPDATE host_reservations
             SET vcpu = vcpu + new_vcpu - old_vcpu,
                 memory_mib = memory_mib + new_memory - old_memory,
                 disk_gib = disk_gib + new_disk - old_disk
           WHERE host_id = new_host;
          RETURN NULL;
        END IF;
        IF old_host IS NOT NULL THEN
          UPDATE host_reservations
             SET vcpu = vcpu - old_vcpu, memory_mib = memory_mib - old_memory, disk_gib = disk_gib - old_disk
           WHERE host_id = old_host;
        END IF;
        IF new_host IS NULL THEN
          RETURN NULL;
        END IF;
        -- A placement: the container arrives on new_host, which must take it.
        INSERT INTO host_reservations AS r (host_id, vcpu, memory_mib, disk_gib)
             VALUES (new_host, new_vcpu, new_memory, new_disk)
        ON CONFLICT (host_id) DO UPDATE
              SET vcpu = r.vcpu + EXCLUDED.vcpu,
                  memory_mib = r.memory_mib + EXCLUDED.memory_mib,
                  disk_gib = r.disk_gib + EXCLUDED.disk_gib
        RETURNING r.vcpu, r.memory_mib, r.disk_gib INTO total;
        SELECT h.state, h.capacity_vcpu, h.capacity_memory_mib, h.capacity_disk_gib
          INTO host FROM hosts h WHERE h.id = new_host;
        IF host.state IS DISTINCT FROM 'ready'
           OR total.vcpu > host.capacity_vcpu
           OR total.memory_mib > host.capacity_memory_mib
           OR total.disk_gib > host.capacity_disk_gib THEN
          RAISE EXCEPTION 'host % cannot take container % now', new_host, NEW.id
            USING ERRCODE = 'BRH01', DETAIL = COALESCE(host.state, 'gone');
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER containers_track_host_reservation
        AFTER INSERT OR DELETE OR UPDATE OF state, host_id, vcpu, memory_mib, disk_gib ON containers
        FOR EACH ROW EXECUTE FUNCTION berth_track_host_reservation()`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
