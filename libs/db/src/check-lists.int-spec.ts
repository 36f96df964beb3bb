// The migrations' CHECK lists (state IN (...), meter IN (...)) against the lists the code keeps, as the
// database has them once every migration has run (pg_constraint, not the migration sources: a later
// migration that widens or drops a list is what counts). A value the domain gained without a migration
// would be refused by the table; a CHECK list with no counterpart below fails too, so that it gets one.
import { Client } from 'pg';
import {
  CONTAINER_HOLDS_CAPACITY,
  CONTAINER_STATES,
  HOST_STATES,
  OPERATION_STATES,
  RULE_DIRECTIONS,
  RULE_PROTOCOLS,
  SNAPSHOT_STATES,
  snapshotPoolGib,
  USAGE_METERS,
  USAGE_RESOURCE_TYPES,
  VOLUME_STATES,
} from '@berth/domain';
import { createTestDatabase } from '@berth/testing';
import type { ImageState } from './entities';
import type { BillingStatus, TenantState } from './entities/tenant.entity';
import type { DeadLetterReason } from './repositories/usage-interval.repository';

/** The members of a string union, spelled once as keys TypeScript checks are all there (and no more). */
function members<T extends string>(all: Record<T, true>): readonly string[] {
  return Object.keys(all);
}

// table.column -> what the code allows there. Tenant, image and billing states have no list in
// libs/domain, only entity types; `members` ties these literals to those types at type-check.
const CODE_LISTS: Record<string, readonly string[]> = {
  'containers.state': CONTAINER_STATES,
  'hosts.state': HOST_STATES,
  'operations.state': OPERATION_STATES,
  'security_rules.direction': RULE_DIRECTIONS,
  'security_rules.protocol': RULE_PROTOCOLS,
  'snapshots.state': SNAPSHOT_STATES,
  'usage_intervals.meter': USAGE_METERS,
  'usage_intervals.resource_type': USAGE_RESOURCE_TYPES,
  'volumes.state': VOLUME_STATES,
  'tenants.state': members<TenantState>({ active: true, suspended: true }),
  'tenants.billing_status': members<BillingStatus>({ active: true, past_due: true }),
  'images.state': members<ImageState>({ pulling: true, ready: true, failed: true }),
  'billing_dead_letters.reason': members<DeadLetterReason>({ refused: true, identifier_window_passed: true }),
};

// How Postgres prints `col IN ('a', 'b')` back: CHECK (((col = ANY (ARRAY['a'::text, 'b'::text])))).
// Only a constraint that is the list and nothing else is a list of the column's values: one such as
// `port_from IS NULL OR protocol IN ('tcp', 'udp')` narrows the column in a case and is left out.
const LIST_CHECK = /^CHECK \(+(\w+) = ANY \(+ARRAY\[([^\]]*)\]\)+$/;

const GIB = 1024 ** 3;
/** Snapshots being made (no stored bytes yet) and made, around the whole-GiB boundaries. */
const SNAPSHOT_POOL_CASES: readonly { sizeGib: number; storedBytes: number | null }[] = [
  { sizeGib: 10, storedBytes: null },
  { sizeGib: 1024, storedBytes: null },
  { sizeGib: 10, storedBytes: 0 },
  { sizeGib: 10, storedBytes: 1 },
  { sizeGib: 10, storedBytes: GIB - 1 },
  { sizeGib: 10, storedBytes: GIB },
  { sizeGib: 10, storedBytes: GIB + 1 },
  { sizeGib: 10, storedBytes: 7 * GIB + 4096 },
  { sizeGib: 1024, storedBytes: 1024 * GIB },
];

describe("the migrations' CHECK lists", () => {
  let db: { url: string; drop(): Promise<void> };
  let lists: Record<string, string[]>;
  /** The container states berth_holds_capacity() (the host_reservations trigger's rule) says hold capacity. */
  let holding: string[];
  /** berth_snapshot_pool_gib() (the volume pool trigger's rule) over SNAPSHOT_POOL_CASES, in order. */
  let poolGib: number[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table: string; definition: string }>(
        `SELECT c.conrelid::regclass::text AS table, pg_get_constraintdef(c.oid) AS definition
           FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE c.contype = 'c' AND n.nspname = 'public'`,
      );
      lists = {};
      for (const { table, definition } of rows) {
        const list = LIST_CHECK.exec(definition);
        if (!list) continue;
        const values = [...list[2]!.matchAll(/'((?:[^']|'')*)'::text/g)].map(([, v]) =>
          v!.replace(/''/g, "'"),
        );
        lists[`${table}.${list[1]}`] = values;
      }
      const held = await client.query<{ state: string }>(
        `SELECT s AS state FROM unnest($1::text[]) s WHERE berth_holds_capacity(s)`,
        [CONTAINER_STATES],
      );
      holding = held.rows.map((r) => r.state);
      const pool = await client.query<{ gib: string }>(
        `SELECT berth_snapshot_pool_gib(c.size_gib, c.stored_bytes) AS gib
           FROM unnest($1::integer[], $2::bigint[]) WITH ORDINALITY AS c(size_gib, stored_bytes, n)
          ORDER BY c.n`,
        [SNAPSHOT_POOL_CASES.map((c) => c.sizeGib), SNAPSHOT_POOL_CASES.map((c) => c.storedBytes)],
      );
      poolGib = pool.rows.map((r) => Number(r.gib));
    } finally {
      await client.end();
    }
  });
  afterAll(() => db?.drop());

  it('finds the lists (the pattern reads what Postgres prints)', () => {
    expect(Object.keys(lists).length).toBeGreaterThanOrEqual(8);
    expect(lists['usage_intervals.resource_type']).toEqual([
      'container',
      'volume',
      'snapshot',
      'floating_ip',
    ]);
  });

  it('has a list in the code for every CHECK list, and a CHECK list for every one of those', () => {
    expect(Object.keys(lists).sort()).toEqual(Object.keys(CODE_LISTS).sort());
  });

  it.each(Object.keys(CODE_LISTS).map((column) => [column]))(
    '%s allows exactly what the code allows',
    (column) => {
      expect([...(lists[column] ?? [])].sort()).toEqual([...CODE_LISTS[column]!].sort());
    },
  );

  it("berth_holds_capacity (host reservations' trigger) holds exactly the domain's CONTAINER_HOLDS_CAPACITY", () => {
    expect([...holding].sort()).toEqual([...CONTAINER_HOLDS_CAPACITY].sort());
  });

  it("berth_snapshot_pool_gib (volume pools' trigger) counts a snapshot as the domain's snapshotPoolGib", () => {
    expect(poolGib).toEqual(SNAPSHOT_POOL_CASES.map(snapshotPoolGib));
  });
});
