import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each host's volume pool has reserved, kept as a counter (host_reservations.volume_gib) instead of
 * summed over the host's volumes and snapshots under a lock on every ready host at each placement
 * (issue 15). Triggers on volumes and snapshots keep it, by the rule StoragePoolRepository summed: a
 * live volume holds its size; a live snapshot its volume's size while being made and what it stores once
 * made, in whole GiB, at least one (berth_snapshot_pool_gib, which libs/db/src/check-lists.int-spec.ts
 * compares with the domain's snapshotPoolGib). Every insert, update and delete moves the difference.
 *
 * A column of host_reservations rather than a table of its own: a container with volumes reserves both
 * on one host, so one row is one lock per host for it (no order to keep between two counters' locks),
 * and placement's snapshot of the fleet stays one read of one row per host. The cost: a volume and a
 * container placed on the same host at once wait for each other, as they would under any lock on the
 * host; placements on other hosts, and heartbeats (which write `hosts`), go on.
 *
 * A volume's placement (a new volume, or one moved to another host) must fit: the trigger refuses it
 * with SQLSTATE BRH02 when the host does not accept work or its pool (hosts.capacity_volume_gib) would
 * be over-committed, under that host's counter row alone, and the caller places again elsewhere. A
 * snapshot is not placed (it is made where its volume is, as before this counter), so it is counted and
 * never refused; nor is any other change (a delete, a snapshot's size once made).
 */
export class TrackVolumePoolReservations1763899200000 implements MigrationInterface {
  name = 'TrackVolumePoolReservations1763899200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION berth_snapshot_pool_gib(size_gib integer, stored_bytes bigint) RETURNS bigint
        LANGUAGE sql IMMUTABLE AS $$
          SELECT CASE WHEN stored_bytes IS NULL THEN size_gib
                      ELSE GREATEST(1, CEIL(stored_bytes / 1073741824.0))::bigint END
        $$`);
    await q.query(`ALTER TABLE host_reservations ADD COLUMN volume_gib bigint NOT NULL DEFAULT 0`);
    await q.query(`
      INSERT INTO host_reservations AS r (host_id, volume_gib)
      SELECT h.id, COALESCE(SUM(s.gib), 0)
        FROM hosts h
        LEFT JOIN (
          SELECT host_id, size_gib::bigint AS gib FROM volumes WHERE state <> 'deleted'
          UNION ALL
          SELECT host_id, berth_snapshot_pool_gib(size_gib, stored_bytes) FROM snapshots WHERE state <> 'deleted'
        ) s ON s.host_id = h.id
       GROUP BY h.id
      ON CONFLICT (host_id) DO UPDATE SET volume_gib = EXCLUDED.volume_gib`);
    // Moves a row's share of its host's pool from (old_host, old_gib) to (new_host, new_gib); a null host
    // holds nothing. An arrival on a host that is `checked` must fit there.
    await q.query(`
      CREATE FUNCTION berth_move_pool_reservation(
        old_host text, old_gib bigint, new_host text, new_gib bigint, checked boolean, item text
      ) RETURNS void
        LANGUAGE plpgsql AS $$
      DECLARE
        total bigint;
        host record;
      BEGIN
        IF old_host IS NOT DISTINCT FROM new_host THEN
          IF old_host IS NULL OR old_gib = new_gib THEN
            RETURN;
          END IF;
          UPDATE host_reservations SET volume_gib = volume_gib + new_gib - old_gib WHERE host_id = new_host;
          RETURN;
        END IF;
        IF old_host IS NOT NULL THEN
          UPDATE host_reservations SET volume_gib = volume_gib - old_gib WHERE host_id = old_host;
        END IF;
        IF new_host IS NULL THEN
          RETURN;
        END IF;
        INSERT INTO host_reservations AS r (host_id, volume_gib) VALUES (new_host, new_gib)
        ON CONFLICT (host_id) DO UPDATE SET volume_gib = r.volume_gib + EXCLUDED.volume_gib
        RETURNING r.volume_gib INTO total;
        IF NOT checked THEN
          RETURN;
        END IF;
        SELECT h.state, h.capacity_volume_gib INTO host FROM hosts h WHERE h.id = new_host;
        IF host.state IS DISTINCT FROM 'ready' OR total > host.capacity_volume_gib THEN
          RAISE EXCEPTION 'host % cannot take % on its volume pool now', new_host, item
            USING ERRCODE = 'BRH02', DETAIL = COALESCE(host.state, 'gone');
        END IF;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION berth_track_volume_pool() RETURNS trigger
        LANGUAGE plpgsql AS $$
      DECLARE
        old_host text := NULL; old_gib bigint := 0;
        new_host text := NULL; new_gib bigint := 0;
      BEGIN
        IF TG_OP <> 'INSERT' AND OLD.state <> 'deleted' THEN
          old_host := OLD.host_id; old_gib := OLD.size_gib;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state <> 'deleted' THEN
          new_host := NEW.host_id; new_gib := NEW.size_gib;
        END IF;
        PERFORM berth_move_pool_reservation(old_host, old_gib, new_host, new_gib, true,
                                            'volume ' || COALESCE(NEW.id, OLD.id));
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION berth_track_snapshot_pool() RETURNS trigger
        LANGUAGE plpgsql AS $$
      DECLARE
        old_host text := NULL; old_gib bigint := 0;
        new_host text := NULL; new_gib bigint := 0;
      BEGIN
        IF TG_OP <> 'INSERT' AND OLD.state <> 'deleted' THEN
          old_host := OLD.host_id; old_gib := berth_snapshot_pool_gib(OLD.size_gib, OLD.stored_bytes);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state <> 'deleted' THEN
          new_host := NEW.host_id; new_gib := berth_snapshot_pool_gib(NEW.size_gib, NEW.stored_bytes);
        END IF;
        PERFORM berth_move_pool_reservation(old_host, old_gib, new_host, new_gib, false,
                                            'snapshot ' || COALESCE(NEW.id, OLD.id));
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER volumes_track_pool_reservation
        AFTER INSERT OR DELETE OR UPDATE OF state, host_id, size_gib ON volumes
        FOR EACH ROW EXECUTE FUNCTION berth_track_volume_pool()`);
    await q.query(`
      CREATE TRIGGER snapshots_track_pool_reservation
        AFTER INSERT OR DELETE OR UPDATE OF state, host_id, size_gib, stored_bytes ON snapshots
        FOR EACH ROW EXECUTE FUNCTION berth_track_snapshot_pool()`);
  }

  async down(): Promise<void> {
    await Promise.resolve();
    throw new Error('migrations are forward-only');
  }
}
