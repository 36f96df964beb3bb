import { DomainError } from './errors';
import type { HostState } from './host-state';
import type { HostId } from './ids';
import {
  hostFits,
  placeContainer,
  placeContainerWithVolumes,
  utilisationAfter,
  type HostSnapshot,
  type PlacementPolicy,
} from './placement';
import { sizeResources, type Resources } from './sizes';
import { DEFAULT_VOLUME_GIB, type VolumeHostSnapshot } from './volumes';

const r = (vcpu: number, memoryMib: number, diskGib: number): Resources => ({ vcpu, memoryMib, diskGib });

// Readable fixed ids; they sort as their letter does, which the tie-break tests rely on.
const hid = (letter: string): HostId => `hst_${letter.repeat(26)}` as HostId;
const A = hid('a');
const B = hid('b');
const C = hid('c');

function host(
  id: HostId,
  capacity: Resources,
  reserved: Resources,
  state: HostState = 'ready',
): HostSnapshot {
  return { id, state, capacity, reserved };
}

const BIG = r(16, 32768, 500);
const S4 = sizeResources('s4');

function placementError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected placement to throw');
}

describe('placeContainer', () => {
  describe.each<[string, readonly HostSnapshot[], Resources, HostId, HostId]>([
    // name, hosts, request, spread's choice, binpack's choice
    ['one host', [host(A, BIG, r(0, 0, 0))], S4, A, A],
    ['an empty host and a busy one', [host(A, BIG, r(8, 16384, 250)), host(B, BIG, r(0, 0, 0))], S4, B, A],
    [
      'three hosts at 25%, 50%, 75% memory',
      [host(A, BIG, r(0, 8192, 0)), host(B, BIG, r(0, 16384, 0)), host(C, BIG, r(0, 24576, 0))],
      S4,
      A,
      C,
    ],
    [
      // A is idle on memory but nearly out of vCPU; the scarcest dimension decides.
      'utilisation is the busiest dimension, not the average',
      [host(A, r(4, 32768, 500), r(3, 0, 0)), host(B, r(4, 32768, 500), r(1, 16384, 250))],
      S4,
      B,
      A,
    ],
    ['disk counts too', [host(A, BIG, r(0, 0, 480)), host(B, BIG, r(0, 0, 100))], S4, B, A],
    [
      'hosts of different sizes are compared by fraction, not by absolute free space',
      // A: 16 GiB with 8 used (50%); B: 4 GiB with 1 used (25%) though A has more free MiB.
      [host(A, r(16, 16384, 500), r(0, 8192, 0)), host(B, r(16, 4096, 500), r(0, 1024, 0))],
      r(1, 512, 10),
      B,
      A,
    ],
    [
      'a host without room is skipped even when it would score best for binpack',
      [host(A, BIG, r(16, 0, 0)), host(B, BIG, r(8, 0, 0)), host(C, BIG, r(2, 0, 0))],
      r(2, 512, 10),
      C,
      B,
    ],
  ])('%s', (_name, hosts, request, spreadChoice, binpackChoice) => {
    it(`spread picks the expected host`, () => {
      expect(placeContainer(hosts, request, 'spread')).toBe(spreadChoice);
    });
    it(`binpack picks the expected host`, () => {
      expect(placeContainer(hosts, request, 'binpack')).toBe(binpackChoice);
    });
    it('does not depend on the order of the hosts', () => {
      const reversed = [...hosts].reverse();
      expect(placeContainer(reversed, request, 'spread')).toBe(spreadChoice);
      expect(placeContainer(reversed, request, 'binpack')).toBe(binpackChoice);
    });
  });

  it('spreads by default', () => {
    const hosts = [host(A, BIG, r(8, 0, 0)), host(B, BIG, r(0, 0, 0))];
    expect(placeContainer(hosts, S4)).toBe(B);
  });

  describe('ties', () => {
    const identical = [host(C, BIG, r(1, 512, 10)), host(A, BIG, r(1, 512, 10)), host(B, BIG, r(1, 512, 10))];

    it.each<[PlacementPolicy]>([['spread'], ['binpack']])('%s breaks a tie by lowest host id', (policy) => {
      expect(placeContainer(identical, S4, policy)).toBe(A);
      expect(placeContainer([...identical].reverse(), S4, policy)).toBe(A);
    });

    it('breaks a tie between equal scores reached through different dimensions', () => {
      // B at 50% vCPU, A at 50% memory after placing: equal scores, so A wins.
      const hosts = [host(B, r(2, 4096, 100), r(0, 0, 0)), host(A, r(16, 1024, 100), r(0, 0, 0))];
      expect(placeContainer(hosts, r(1, 512, 10), 'spread')).toBe(A);
      expect(placeContainer(hosts, r(1, 512, 10), 'binpack')).toBe(A);
    });
  });

  describe('host states', () => {
    it.each<[HostState]>([['lost'], ['draining']])('ignores a %s host however empty it is', (state) => {
      const hosts = [host(A, BIG, r(0, 0, 0), state), host(B, BIG, r(12, 24576, 400))];
      expect(placeContainer(hosts, S4, 'spread')).toBe(B);
      expect(placeContainer(hosts, S4, 'binpack')).toBe(B);
    });

    it('ignores a not-ready host that would be the binpack choice', () => {
      const hosts = [host(A, BIG, r(15, 30000, 480), 'draining'), host(B, BIG, r(1, 0, 0))];
      expect(placeContainer(hosts, S4, 'binpack')).toBe(B);
    });
  });

  describe('fitting', () => {
    it('allows an exact fit', () => {
      const hosts = [host(A, r(4, 4096, 40), r(3, 3584, 30))];
      expect(placeContainer(hosts, S4, 'spread')).toBe(A);
      expect(utilisationAfter(hosts[0] as HostSnapshot, S4)).toBe(1);
    });

    it.each([
      ['vCPU', r(4, 4096, 40), r(4, 0, 0)],
      ['memory', r(4, 4096, 40), r(0, 3585, 0)],
      ['disk', r(4, 4096, 40), r(0, 0, 31)],
    ])('refuses a host short of %s by the smallest amount', (_dim, capacity, reserved) => {
      expect(hostFits(host(A, capacity, reserved), S4)).toBe(false);
      expect(() => placeContainer([host(A, capacity, reserved)], S4)).toThrow(DomainError);
    });

    it('refuses an overcommitted host (reserved above capacity)', () => {
      expect(hostFits(host(A, r(2, 1024, 20), r(3, 2048, 30)), r(0, 0, 0))).toBe(false);
    });

    it('places a zero request on a full ready host', () => {
      expect(placeContainer([host(A, r(1, 512, 10), r(1, 512, 10))], r(0, 0, 0))).toBe(A);
    });

    it('copes with a host that offers none of a dimension nobody asks for', () => {
      const hosts = [host(A, r(4, 4096, 0), r(0, 0, 0)), host(B, r(4, 4096, 10), r(0, 0, 5))];
      expect(placeContainer(hosts, r(1, 512, 0), 'spread')).toBe(A);
      expect(utilisationAfter(hosts[0] as HostSnapshot, r(1, 512, 0))).toBe(0.25);
    });
  });

  describe('when nothing fits', () => {
    it('says there are no hosts at all', () => {
      const e = placementError(() => placeContainer([], S4));
      expect(e.code).toBe('capacity/unavailable');
      expect(e.status).toBe(409);
      expect(e.message).toBe('no hosts are registered to run containers');
      expect(e.details).toEqual({ request: S4, policy: 'spread', hosts: 0, readyHosts: 0 });
    });

    it('says no host is ready when all are lost or draining', () => {
      const e = placementError(() =>
        placeContainer(
          [host(A, BIG, r(0, 0, 0), 'lost'), host(B, BIG, r(0, 0, 0), 'draining')],
          S4,
          'binpack',
        ),
      );
      expect(e.code).toBe('capacity/unavailable');
      expect(e.message).toBe('no host is ready to accept containers (2 known, none ready)');
      expect(e.details).toEqual({ request: S4, policy: 'binpack', hosts: 2, readyHosts: 0 });
    });

    it('says how much room was needed when ready hosts are full', () => {
      const hosts = [
        host(A, r(2, 1024, 20), r(2, 0, 0)),
        host(B, r(2, 1024, 20), r(0, 1000, 0)),
        host(C, BIG, r(0, 0, 0), 'lost'),
      ];
      const e = placementError(() => placeContainer(hosts, S4));
      expect(e.code).toBe('capacity/unavailable');
      expect(e.message).toBe('no ready host has room for 1 vCPU / 512 MiB / 10 GiB (2 ready hosts checked)');
      expect(e.details).toEqual({ request: S4, policy: 'spread', hosts: 3, readyHosts: 2 });
    });

    it('uses the singular for one ready host', () => {
      const e = placementError(() => placeContainer([host(A, r(1, 256, 10), r(0, 0, 0))], S4));
      expect(e.message).toBe('no ready host has room for 1 vCPU / 512 MiB / 10 GiB (1 ready host checked)');
    });
  });

  it.each([
    ['negative', r(-1, 512, 10)],
    ['NaN', r(1, Number.NaN, 10)],
    ['infinite', r(1, 512, Infinity)],
  ])('refuses a %s request as invalid', (_why, request) => {
    const e = placementError(() => placeContainer([host(A, BIG, r(0, 0, 0))], request));
    expect(e.code).toBe('request/invalid');
  });

  it('is pure: it neither mutates its inputs nor depends on earlier calls', () => {
    const hosts = [host(A, BIG, r(1, 1, 1)), host(B, BIG, r(2, 2, 2))];
    const copy = JSON.parse(JSON.stringify(hosts)) as HostSnapshot[];
    const first = placeContainer(hosts, S4);
    expect(placeContainer(hosts, S4)).toBe(first);
    expect(hosts).toEqual(copy);
  });
});

// mulberry32: a tiny seeded PRNG so the property test is reproducible.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('placeContainer (property, seeded)', () => {
  const STATES: readonly HostState[] = ['ready', 'ready', 'ready', 'lost', 'draining'];
  const SIZE_POOL = ['s1', 's2', 's3', 's4', 'm1', 'm2', 'm3', 'l1', 'l2', 'l3'] as const;

  const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

  function randomCase(rand: () => number): { hosts: HostSnapshot[]; request: Resources } {
    const int = (max: number): number => Math.floor(rand() * (max + 1));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    // Ids from the seeded generator too, so a failure replays exactly.
    const id = (): HostId =>
      `hst_${Array.from({ length: 26 }, () => pick([...ALPHABET])).join('')}` as HostId;
    const hosts: HostSnapshot[] = [];
    const count = int(8);
    for (let i = 0; i < count; i++) {
      const previous = hosts[hosts.length - 1];
      if (previous !== undefined && rand() < 0.2) {
        // An identical twin under another id, so that ties occur and the tie-break is checked.
        hosts.push({ ...previous, id: id() });
        continue;
      }
      const capacity = r(1 + int(31), 512 * (1 + int(63)), 10 * (1 + int(49)));
      // Sometimes exactly full, sometimes partly, occasionally overcommitted.
      const reserved = r(
        int(capacity.vcpu + 1),
        64 * int(capacity.memoryMib / 64 + 2),
        int(capacity.diskGib + 5),
      );
      hosts.push(host(id(), capacity, reserved, pick(STATES)));
    }
    return { hosts, request: sizeResources(pick(SIZE_POOL)) };
  }

  it.each<[PlacementPolicy]>([['spread'], ['binpack']])(
    '%s: 500 random fleets — the choice fits and no fitting host scores strictly better',
    (policy) => {
      const rand = mulberry32(policy === 'spread' ? 20240601 : 777);
      let placed = 0;
      let refused = 0;
      let ties = 0;
      for (let i = 0; i < 500; i++) {
        const { hosts, request } = randomCase(rand);
        const fitting = hosts.filter((h) => hostFits(h, request));
        let chosen: HostId;
        try {
          chosen = placeContainer(hosts, request, policy);
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
          expect((e as DomainError).code).toBe('capacity/unavailable');
          expect(fitting).toHaveLength(0);
          refused++;
          continue;
        }
        placed++;
        const winner = hosts.find((h) => h.id === chosen);
        expect(winner).toBeDefined();
        const w = winner as HostSnapshot;
        expect(w.state).toBe('ready');
        expect(hostFits(w, request)).toBe(true);
        expect(w.capacity.vcpu - w.reserved.vcpu).toBeGreaterThanOrEqual(request.vcpu);
        expect(w.capacity.memoryMib - w.reserved.memoryMib).toBeGreaterThanOrEqual(request.memoryMib);
        expect(w.capacity.diskGib - w.reserved.diskGib).toBeGreaterThanOrEqual(request.diskGib);
        const best = utilisationAfter(w, request);
        for (const other of fitting) {
          const score = utilisationAfter(other, request);
          if (policy === 'spread') expect(score).toBeGreaterThanOrEqual(best);
          else expect(score).toBeLessThanOrEqual(best);
          // Among equals the lowest id wins.
          if (score === best && other.id !== w.id) {
            ties++;
            expect(other.id > w.id).toBe(true);
          }
        }
      }
      // The generator must exercise both outcomes for the property to mean anything.
      expect(placed).toBeGreaterThan(100);
      expect(refused).toBeGreaterThan(10);
      expect(ties).toBeGreaterThan(10);
    },
  );
});

describe('placeContainerWithVolumes', () => {
  const pool = (id: HostId, capacityGib: number, reservedGib: number): VolumeHostSnapshot => ({
    id,
    state: 'ready',
    capacityGib,
    reservedGib,
  });
  const small = r(1, 256, 10);
  const onB = { host: B, existing: ['data', 'logs'], missing: [] };

  function refusal(fn: () => unknown): { code: string; message: string } {
    try {
      fn();
    } catch (err) {
      if (err instanceof DomainError) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error('expected a refusal');
  }

  it('runs a container where its existing volumes are, even when another host is emptier', () => {
    const hosts = [host(A, BIG, r(0, 0, 0)), host(B, BIG, r(8, 16384, 100))];
    expect(placeContainerWithVolumes(onB, hosts, [], small, 'spread')).toBe(B);
  });

  it("refuses when its volumes' host is not ready, or unknown", () => {
    const down = [host(A, BIG, r(0, 0, 0)), host(B, BIG, r(0, 0, 0), 'draining')];
    expect(refusal(() => placeContainerWithVolumes(onB, down, [], small, 'spread'))).toEqual({
      code: 'host/not_ready',
      message: `volume data, logs lives on host ${B}, which is not ready; a container runs where its volumes are, so it cannot be created until that host is back`,
    });
    expect(
      refusal(() => placeContainerWithVolumes(onB, [host(A, BIG, r(0, 0, 0))], [], small, 'spread')).code,
    ).toBe('host/not_ready');
  });

  it("refuses when its volumes' host has no room for the container", () => {
    const full = [host(B, r(1, 512, 20), r(1, 0, 0))];
    expect(refusal(() => placeContainerWithVolumes(onB, full, [], small, 'spread'))).toEqual({
      code: 'capacity/unavailable',
      message: `volume data, logs lives on host ${B}, which has no room for 1 vCPU / 256 MiB / 10 GiB now; a container runs where its volumes are, so free room there (stop or delete a container) or try later`,
    });
  });

  it("makes new volumes beside existing ones only when that host's pool has room for them", () => {
    const mixed = { ...onB, missing: ['cache'] };
    const hosts = [host(B, BIG, r(0, 0, 0))];
    expect(placeContainerWithVolumes(mixed, hosts, [pool(B, DEFAULT_VOLUME_GIB, 0)], small, 'spread')).toBe(
      B,
    );
    expect(
      refusal(() =>
        placeContainerWithVolumes(mixed, hosts, [pool(B, DEFAULT_VOLUME_GIB, 1)], small, 'spread'),
      ),
    ).toEqual({
      code: 'capacity/unavailable',
      message: `host ${B} (where volume data, logs lives) has no room for ${DEFAULT_VOLUME_GIB} GB of new volumes`,
    });
  });

  it('with only new volumes: chooses by policy among the hosts whose pool has room for all of them', () => {
    const fresh = { host: null, existing: [], missing: ['a', 'b'] };
    const hosts = [host(A, BIG, r(0, 0, 0)), host(B, BIG, r(4, 8192, 100)), host(C, BIG, r(8, 16384, 200))];
    const pools = [pool(A, 2 * DEFAULT_VOLUME_GIB - 1, 0), pool(B, 100, 0), pool(C, 100, 0)];
    expect(placeContainerWithVolumes(fresh, hosts, pools, small, 'spread')).toBe(B);
    expect(placeContainerWithVolumes(fresh, hosts, pools, small, 'binpack')).toBe(C);
  });

  it('with only new volumes and no pool with room: says how much was needed and for which volumes', () => {
    const fresh = { host: null, existing: [], missing: ['a', 'b'] };
    expect(
      refusal(() =>
        placeContainerWithVolumes(fresh, [host(A, BIG, r(0, 0, 0))], [pool(A, 1, 0)], small, 'spread'),
      ),
    ).toEqual({
      code: 'capacity/unavailable',
      message: `no ready host has room for ${2 * DEFAULT_VOLUME_GIB} GB of new volumes (a, b)`,
    });
  });

  it('with no volumes to make or follow: places as placeContainer does, pools aside', () => {
    const none = { host: null, existing: [], missing: [] };
    const hosts = [host(A, BIG, r(8, 16384, 200)), host(B, BIG, r(0, 0, 0))];
    expect(placeContainerWithVolumes(none, hosts, [], small, 'spread')).toBe(
      placeContainer(hosts, small, 'spread'),
    );
    expect(placeContainerWithVolumes(none, hosts, [], small, 'binpack')).toBe(A);
  });
});
