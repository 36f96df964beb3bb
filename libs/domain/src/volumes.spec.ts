import { DomainError } from './errors';
import { HOST_STATES, type HostState } from './host-state';
import type { HostId } from './ids';
import {
  DEFAULT_VOLUME_GIB,
  MAX_VOLUMES_PER_CONTAINER,
  SNAPSHOT_STATES,
  STORAGE_TRANSITIONS,
  VOLUME_MAX_GIB,
  VOLUME_MIN_GIB,
  VOLUME_NAME_PATTERN,
  VOLUME_NAME_RULE,
  VOLUME_STATES,
  isValidVolumeName,
  nextStorageState,
  normaliseMountPath,
  parseVolumeMount,
  placeVolume,
  snapshotPoolGib,
  storedGib,
  validateVolumeMounts,
  validateVolumeSize,
  volumeDeviceSerial,
  type StorageEvent,
  type VolumeHostSnapshot,
  type VolumeMountRequest,
  type VolumeState,
} from './volumes';

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('volume constants', () => {
  it('has the documented sizes and limits', () => {
    expect(VOLUME_MIN_GIB).toBe(1);
    expect(VOLUME_MAX_GIB).toBe(1024);
    expect(DEFAULT_VOLUME_GIB).toBe(10);
    expect(DEFAULT_VOLUME_GIB).toBeGreaterThanOrEqual(VOLUME_MIN_GIB);
    expect(DEFAULT_VOLUME_GIB).toBeLessThanOrEqual(VOLUME_MAX_GIB);
    expect(MAX_VOLUMES_PER_CONTAINER).toBe(8);
  });

  it('gives snapshots the same states as volumes', () => {
    expect([...VOLUME_STATES]).toEqual(['creating', 'available', 'deleting', 'deleted', 'failed']);
    expect(SNAPSHOT_STATES).toBe(VOLUME_STATES);
  });

  it('describes the name rule in words', () => {
    expect(VOLUME_NAME_RULE).toContain('63');
  });
});

// The whole machine, written out by hand: one row per state, one column per event, '-' where the
// event does not apply. The implementation's table must agree on every one of the 20 cells.
const EVENTS = ['created', 'failed', 'delete', 'deleted'] as const satisfies readonly StorageEvent[];

type Cell = VolumeState | '-';

// prettier-ignore
const EXPECTED: Readonly<Record<VolumeState, readonly [Cell, Cell, Cell, Cell]>> = {
  //          created      failed    delete      deleted
  creating:  ['available', 'failed', '-',        '-'],
  available: ['-',         '-',      'deleting', '-'],
  deleting:  ['-',         'failed', '-',        'deleted'],
  deleted:   ['-',         '-',      '-',        '-'],
  failed:    ['-',         '-',      'deleting', '-'],
};

function expected(state: VolumeState, event: StorageEvent): VolumeState | null {
  const cell = EXPECTED[state][EVENTS.indexOf(event)];
  if (cell === undefined) throw new Error(`no expected cell for ${state} × ${event}`);
  return cell === '-' ? null : cell;
}

const PAIRS: Array<[VolumeState, StorageEvent]> = VOLUME_STATES.flatMap((s) =>
  EVENTS.map((e): [VolumeState, StorageEvent] => [s, e]),
);

describe('storage state machine (exhaustive)', () => {
  it('the expected table has a row for every state', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...VOLUME_STATES].sort());
    expect(Object.keys(STORAGE_TRANSITIONS).sort()).toEqual([...VOLUME_STATES].sort());
    expect(PAIRS).toHaveLength(5 * 4);
  });

  it.each(PAIRS)('nextStorageState(%s, %s)', (state, event) => {
    expect(nextStorageState(state, event)).toBe(expected(state, event));
  });

  it.each(PAIRS)('STORAGE_TRANSITIONS[%s][%s]', (state, event) => {
    expect(STORAGE_TRANSITIONS[state][event] ?? null).toBe(expected(state, event));
  });

  it('the table names only known events and states', () => {
    for (const s of VOLUME_STATES) {
      for (const [event, to] of Object.entries(STORAGE_TRANSITIONS[s])) {
        expect(EVENTS).toContain(event);
        expect(VOLUME_STATES).toContain(to);
      }
    }
  });

  it('deleted is terminal', () => {
    for (const e of EVENTS) expect(nextStorageState('deleted', e)).toBeNull();
    expect(STORAGE_TRANSITIONS.deleted).toEqual({});
  });

  it('deleted is the only terminal state', () => {
    for (const s of VOLUME_STATES) {
      const exits = EVENTS.filter((e) => nextStorageState(s, e) !== null);
      expect([s, exits.length > 0]).toEqual([s, s !== 'deleted']);
    }
  });

  it('a volume the host is still making cannot be deleted', () => {
    expect(nextStorageState('creating', 'delete')).toBeNull();
  });

  it('a delete is accepted only from available or failed', () => {
    const deletable = VOLUME_STATES.filter((s) => nextStorageState(s, 'delete') !== null);
    expect(deletable.sort()).toEqual(['available', 'failed']);
  });

  it('only a delete in progress can become deleted', () => {
    const into = VOLUME_STATES.filter((s) => nextStorageState(s, 'deleted') === 'deleted');
    expect(into).toEqual(['deleting']);
    for (const s of VOLUME_STATES) {
      for (const e of EVENTS) {
        if (nextStorageState(s, e) === 'deleted') expect([s, e]).toEqual(['deleting', 'deleted']);
      }
    }
  });

  it('every state other than deleted can reach deleted', () => {
    for (const start of VOLUME_STATES) {
      if (start === 'deleted') continue;
      const seen = new Set<VolumeState>([start]);
      const queue: VolumeState[] = [start];
      while (queue.length > 0) {
        const s = queue.shift() as VolumeState;
        for (const e of EVENTS) {
          const to = nextStorageState(s, e);
          if (to !== null && !seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      expect([start, seen.has('deleted')]).toEqual([start, true]);
    }
  });

  it('a repeated report is ignored, not applied twice', () => {
    // A host that reports `created` twice: the second finds the volume available and is refused.
    const once = nextStorageState('creating', 'created');
    expect(once).toBe('available');
    expect(nextStorageState(once as VolumeState, 'created')).toBeNull();
    const gone = nextStorageState('deleting', 'deleted');
    expect(gone).toBe('deleted');
    expect(nextStorageState(gone as VolumeState, 'deleted')).toBeNull();
  });
});

describe('isValidVolumeName', () => {
  it('shares the container name pattern', () => {
    expect(VOLUME_NAME_PATTERN.source).toBe('^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$');
  });

  it.each(['a', 'Z', '0', 'data', 'my-vol', 'my_vol', 'my.vol', 'DB01', 'a'.repeat(63), '9-._'])(
    'accepts %s',
    (name) => {
      expect(isValidVolumeName(name)).toBe(true);
    },
  );

  it.each([
    ['empty', ''],
    ['64 characters', 'a'.repeat(64)],
    ['a leading dash', '-data'],
    ['a leading dot', '.data'],
    ['a leading underscore', '_data'],
    ['a slash', 'a/b'],
    ['a colon', 'a:b'],
    ['a space', 'a b'],
    ['a trailing newline', 'data\n'],
    ['non-ASCII', 'données'],
  ])('rejects %s', (_why, name) => {
    expect(isValidVolumeName(name)).toBe(false);
  });

  it.each([[undefined], [null], [1], [{}], [['data']]])('rejects the non-string %p', (value) => {
    expect(isValidVolumeName(value)).toBe(false);
  });
});

describe('validateVolumeSize', () => {
  it.each([[VOLUME_MIN_GIB], [2], [DEFAULT_VOLUME_GIB], [512], [VOLUME_MAX_GIB]])('accepts %p', (size) => {
    expect(() => validateVolumeSize(size)).not.toThrow();
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['above the maximum', VOLUME_MAX_GIB + 1],
    ['a fraction', 1.5],
    ['a fraction just under the maximum', VOLUME_MAX_GIB - 0.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a numeric string', '10'],
    ['an empty string', ''],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['a bigint', 10n],
    ['an object', { size: 10 }],
  ])('rejects %s', (_why, size) => {
    const e = domainError(() => validateVolumeSize(size));
    expect(e.code).toBe('request/invalid');
    expect(e.status).toBe(400);
    expect(e.details).toEqual({ field: 'sizeGb' });
    expect(e.message).toBe(
      `a volume's size must be a whole number of GB from ${VOLUME_MIN_GIB} to ${VOLUME_MAX_GIB}`,
    );
  });
});

describe('normaliseMountPath', () => {
  it.each([
    ['/data', '/data'],
    ['/data/', '/data'],
    ['/data///', '/data'],
    ['/var/lib/postgresql/data', '/var/lib/postgresql/data'],
    ['/var/lib/mysql/', '/var/lib/mysql'],
    ['/a', '/a'],
    ['/...', '/...'],
    ['/.hidden', '/.hidden'],
    ['/data..', '/data..'],
    ['/with space', '/with space'],
    // Only the four roots are reserved, as whole path components.
    ['/procfoo', '/procfoo'],
    ['/sysadmin', '/sysadmin'],
    ['/devices', '/devices'],
    ['/running', '/running'],
    ['/data/proc', '/data/proc'],
    ['/srv/sys/x', '/srv/sys/x'],
    ['/home/dev', '/home/dev'],
    ['/var/run', '/var/run'],
  ])('accepts %j as %j', (raw, path) => {
    expect(normaliseMountPath(raw)).toBe(path);
  });

  it('is idempotent', () => {
    for (const raw of ['/data/', '/a/b/c//', '/x']) {
      const once = normaliseMountPath(raw);
      expect(normaliseMountPath(once)).toBe(once);
    }
  });

  function rejects(raw: string, fragment: string): void {
    const e = domainError(() => normaliseMountPath(raw));
    expect(e.code).toBe('request/invalid');
    expect(e.details).toEqual({ field: 'volumes' });
    expect(e.message).toContain(fragment);
  }

  it.each([['data'], ['data/x'], ['./data'], ['~/data'], [''], [' /data']])(
    'rejects the relative path %j',
    (raw) => {
      rejects(raw, 'must be absolute');
    },
  );

  it.each([['/'], ['//'], ['///']])('rejects the root %j', (raw) => {
    // "/" is refused by name; "//" and "///" trim to nothing and are refused as empty.
    const e = domainError(() => normaliseMountPath(raw));
    expect(e.code).toBe('request/invalid');
  });

  it('says why / is refused', () => {
    rejects('/', 'cannot be /');
  });

  it.each([
    ['/.'],
    ['/..'],
    ['/./data'],
    ['/../data'],
    ['/data/.'],
    ['/data/..'],
    ['/data/./x'],
    ['/data/../x'],
    ['/data/../../etc'],
    ['//data'],
    ['/data//x'],
    ['/data/./'],
    ['/data/../'],
  ])('rejects the unnormalised %j', (raw) => {
    rejects(raw, 'must not contain empty, "." or ".." parts');
  });

  it.each([['/a:b'], ['/data:ro'], ['/a\0b'], ['/a\nb'], ['/a\rb'], ['/data\n'], ['/a\tb'], ['/a\x7fb']])(
    'rejects %j, which holds a separator or control character',
    (raw) => {
      rejects(raw, 'cannot contain ":" or control characters');
    },
  );

  it.each([
    ['/proc', '/proc'],
    ['/proc/', '/proc'],
    ['/proc/sys', '/proc'],
    ['/sys', '/sys'],
    ['/sys/fs/cgroup', '/sys'],
    ['/dev', '/dev'],
    ['/dev/', '/dev'],
    ['/dev/shm', '/dev'],
    ['/run', '/run'],
    ['/run/secrets', '/run'],
    ['/run/a/b/c/', '/run'],
  ])('rejects %j, under the reserved %s', (raw, root) => {
    rejects(raw, `is under ${root}, which the guest's init owns`);
  });

  it('accepts 255 characters and rejects 256', () => {
    const max = `/${'a'.repeat(254)}`;
    expect(max).toHaveLength(255);
    expect(normaliseMountPath(max)).toBe(max);
    rejects(`/${'a'.repeat(255)}`, 'is longer than 255 characters');
    // Counted after the trailing slash goes.
    expect(normaliseMountPath(`${max}/`)).toBe(max);
  });

  it('quotes at most 100 characters of the path in its message', () => {
    const raw = `/${'a'.repeat(300)}`;
    const e = domainError(() => normaliseMountPath(raw));
    expect(e.message).toContain(`"${raw.slice(0, 100)}"`);
    expect(e.message).not.toContain(raw.slice(0, 101));
  });
});

describe('parseVolumeMount', () => {
  it.each([
    ['data:/data', { volume: 'data', path: '/data' }],
    ['pg:/var/lib/postgresql/data/', { volume: 'pg', path: '/var/lib/postgresql/data' }],
    ['my.vol-1_x:/srv', { volume: 'my.vol-1_x', path: '/srv' }],
    ['vol_01h8xz3k4m5n6p7q8r9s0t1v2w:/data', { volume: 'vol_01h8xz3k4m5n6p7q8r9s0t1v2w', path: '/data' }],
  ])('parses %j', (spec, mount) => {
    expect(parseVolumeMount(spec)).toEqual(mount);
  });

  it.each([['data'], [':/data'], [''], ['/data']])('rejects %j, which is not name:/path', (spec) => {
    const e = domainError(() => parseVolumeMount(spec));
    expect(e.code).toBe('request/invalid');
    expect(e.details).toEqual({ field: 'volumes' });
    expect(e.message).toBe(`volume "${spec}" must be name:/path`);
  });

  it.each([['-data:/data'], ['a b:/data'], [`${'a'.repeat(64)}:/data`], ['.x:/data'], ['/abs:/data']])(
    'rejects the bad name in %j',
    (spec) => {
      const e = domainError(() => parseVolumeMount(spec));
      expect(e.code).toBe('request/invalid');
      expect(e.details).toEqual({ field: 'volumes' });
      expect(e.message).toContain('is not valid: use');
    },
  );

  it.each([
    ['data:', 'must be absolute'],
    ['data:data', 'must be absolute'],
    ['data:/', 'cannot be /'],
    ['data:/proc', 'is under /proc'],
    ['data:/data:ro', 'cannot contain ":"'],
    ['data:/a/../b', 'must not contain'],
  ])('rejects the bad path in %j', (spec, fragment) => {
    const e = domainError(() => parseVolumeMount(spec));
    expect(e.code).toBe('request/invalid');
    expect(e.details).toEqual({ field: 'volumes' });
    expect(e.message).toContain(fragment);
  });
});

describe('validateVolumeMounts', () => {
  const m = (volume: string, path: string): VolumeMountRequest => ({ volume, path });

  it('accepts none', () => {
    expect(() => validateVolumeMounts([])).not.toThrow();
  });

  it(`accepts ${MAX_VOLUMES_PER_CONTAINER} and refuses one more`, () => {
    const mounts = Array.from({ length: MAX_VOLUMES_PER_CONTAINER + 1 }, (_, i) => m(`v${i}`, `/d${i}`));
    expect(() => validateVolumeMounts(mounts.slice(0, MAX_VOLUMES_PER_CONTAINER))).not.toThrow();
    const e = domainError(() => validateVolumeMounts(mounts));
    expect(e.code).toBe('request/invalid');
    expect(e.details).toEqual({ field: 'volumes' });
    expect(e.message).toBe(
      `a container can have at most ${MAX_VOLUMES_PER_CONTAINER} volumes, got ${MAX_VOLUMES_PER_CONTAINER + 1}`,
    );
  });

  it('refuses a volume listed twice, even at different paths', () => {
    const e = domainError(() => validateVolumeMounts([m('a', '/x'), m('b', '/y'), m('a', '/z')]));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toBe('volume a is listed twice');
  });

  it('refuses two volumes at the same path', () => {
    const e = domainError(() => validateVolumeMounts([m('a', '/data'), m('b', '/data')]));
    expect(e.code).toBe('request/invalid');
    expect(e.details).toEqual({ field: 'volumes' });
    expect(e.message).toContain('overlap at /data');
  });

  it.each([
    [[m('outer', '/data'), m('inner', '/data/db')]],
    [[m('inner', '/data/db'), m('outer', '/data')]],
    [[m('outer', '/a'), m('deep', '/a/b/c/d')]],
  ])('refuses a volume inside another, in either order (%#)', (mounts) => {
    const e = domainError(() => validateVolumeMounts(mounts));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toContain('overlap at');
    // The nested (hidden) path is the one named.
    const inner = mounts.reduce((x, y) => (x.path.length > y.path.length ? x : y));
    expect(e.message).toContain(`overlap at ${inner.path}`);
  });

  it.each([
    [[m('a', '/data'), m('b', '/data2')]],
    [[m('a', '/data2'), m('b', '/data')]],
    [[m('a', '/data'), m('b', '/data-old'), m('c', '/data.bak'), m('d', '/dat')]],
    [[m('a', '/srv/a'), m('b', '/srv/b')]],
    [[m('a', '/x/y'), m('b', '/y/x')]],
  ])('accepts siblings that share a prefix (%#)', (mounts) => {
    expect(() => validateVolumeMounts(mounts)).not.toThrow();
  });

  it('checks the count before anything else', () => {
    const mounts = Array.from({ length: MAX_VOLUMES_PER_CONTAINER + 1 }, () => m('same', '/same'));
    expect(domainError(() => validateVolumeMounts(mounts)).message).toContain('at most');
  });
});

describe('volumeDeviceSerial', () => {
  const slots = Array.from({ length: MAX_VOLUMES_PER_CONTAINER }, (_, i) => i);

  it.each(slots.map((i) => [i]))('slot %i fits in a 20-byte virtio-blk serial', (i) => {
    const serial = volumeDeviceSerial(i);
    expect(Buffer.byteLength(serial, 'utf8')).toBeLessThanOrEqual(20);
    // Printable ASCII, so byte and character counts agree and QEMU's -device serial= takes it as is.
    expect(serial).toMatch(/^[\x21-\x7e]+$/);
  });

  it('names the slot', () => {
    expect(volumeDeviceSerial(0)).toBe('berth-vol0');
    expect(volumeDeviceSerial(MAX_VOLUMES_PER_CONTAINER - 1)).toBe(
      `berth-vol${MAX_VOLUMES_PER_CONTAINER - 1}`,
    );
  });

  it('gives every slot a different serial, none a prefix of another', () => {
    const serials = slots.map(volumeDeviceSerial);
    expect(new Set(serials).size).toBe(slots.length);
    for (const a of serials) {
      for (const b of serials) if (a !== b) expect(b.startsWith(a)).toBe(false);
    }
  });
});

describe('placeVolume', () => {
  // Readable fixed ids; they sort as their letter does, which the tie-break tests rely on.
  const hid = (letter: string): HostId => `hst_${letter.repeat(26)}` as HostId;
  const A = hid('a');
  const B = hid('b');
  const C = hid('c');
  const host = (
    id: HostId,
    capacityGib: number,
    reservedGib: number,
    state: HostState = 'ready',
  ): VolumeHostSnapshot => ({ id, state, capacityGib, reservedGib });

  it('places on the only host', () => {
    expect(placeVolume([host(A, 100, 0)], 10)).toBe(A);
  });

  it('spreads: picks the host whose pool would be least used', () => {
    const hosts = [host(A, 100, 50), host(B, 100, 10), host(C, 100, 30)];
    expect(placeVolume(hosts, 10)).toBe(B);
    expect(placeVolume([...hosts].reverse(), 10)).toBe(B);
  });

  it('compares pools by fraction, not by free GiB', () => {
    // A: 1000 GiB with 600 used (61% after); B: 100 GiB with 10 used (20% after), though A has more free.
    const hosts = [host(A, 1000, 600), host(B, 100, 10)];
    expect(placeVolume(hosts, 10)).toBe(B);
  });

  it('counts the new volume in the fraction', () => {
    // Before: A 40%, B 45%. After 20 GiB: A (40+20)/100 = 60%, B (450+20)/1000 = 47%.
    const hosts = [host(A, 100, 40), host(B, 1000, 450)];
    expect(placeVolume(hosts, 20)).toBe(B);
  });

  it('breaks a tie by the lowest host id, whatever the order', () => {
    const hosts = [host(C, 100, 20), host(A, 100, 20), host(B, 100, 20)];
    expect(placeVolume(hosts, 10)).toBe(A);
    expect(placeVolume([...hosts].reverse(), 10)).toBe(A);
  });

  it('breaks a tie between equal fractions of pools of different sizes', () => {
    // B: (40+10)/100 = 0.5, A: (90+10)/200 = 0.5.
    expect(placeVolume([host(B, 100, 40), host(A, 200, 90)], 10)).toBe(A);
  });

  it.each(HOST_STATES.filter((s) => s !== 'ready').map((s) => [s]))(
    'skips a %s host however empty it is',
    (state) => {
      const hosts = [host(A, 1000, 0, state), host(B, 100, 80)];
      expect(placeVolume(hosts, 10)).toBe(B);
    },
  );

  it('skips a host whose pool is 0 (it serves no volumes)', () => {
    expect(placeVolume([host(A, 0, 0), host(B, 100, 90)], 10)).toBe(B);
  });

  it('skips a host with a negative capacity', () => {
    expect(placeVolume([host(A, -1, 0), host(B, 100, 0)], 1)).toBe(B);
  });

  it('allows an exact fit', () => {
    expect(placeVolume([host(A, 100, 90)], 10)).toBe(A);
    expect(placeVolume([host(A, VOLUME_MAX_GIB, 0)], VOLUME_MAX_GIB)).toBe(A);
  });

  it('refuses a host short by one GiB', () => {
    expect(placeVolume([host(A, 100, 91), host(B, 10, 0)], 10)).toBe(B);
  });

  it('skips an overcommitted host (reserved above capacity)', () => {
    expect(placeVolume([host(A, 100, 120), host(B, 100, 99)], 1)).toBe(B);
  });

  describe('when nothing fits', () => {
    it.each<[string, readonly VolumeHostSnapshot[]]>([
      ['no hosts', []],
      ['only not-ready hosts', [host(A, 1000, 0, 'lost'), host(B, 1000, 0, 'draining')]],
      ['only hosts without a pool', [host(A, 0, 0), host(B, 0, 0)]],
      ['only full hosts', [host(A, 100, 95), host(B, 50, 41)]],
      ['a volume larger than any pool', [host(A, 5, 0)]],
    ])('%s', (_name, hosts) => {
      const e = domainError(() => placeVolume(hosts, 10));
      expect(e.code).toBe('capacity/unavailable');
      expect(e.status).toBe(409);
      expect(e.message).toBe('no ready host has room for a 10 GB volume');
      expect(e.details).toEqual({ sizeGb: 10 });
    });
  });

  it('does not change its input', () => {
    const hosts = Object.freeze([Object.freeze(host(B, 100, 10)), Object.freeze(host(A, 100, 50))]);
    expect(placeVolume(hosts, 10)).toBe(B);
    expect(hosts.map((h) => h.reservedGib)).toEqual([10, 50]);
  });
});

describe('snapshotPoolGib', () => {
  const GIB = 1024 ** 3;

  it("holds its volume's size while being made: the copy may take all of it", () => {
    expect(snapshotPoolGib({ sizeGib: 10, storedBytes: null })).toBe(10);
  });

  it.each([
    [0, 1],
    [1, 1],
    [GIB, 1],
    [GIB + 1, 2],
    [7 * GIB + 4096, 8],
  ])('once made, holds what it stored (%d bytes) in whole GiB, at least one: %d', (storedBytes, gib) => {
    expect(snapshotPoolGib({ sizeGib: 10, storedBytes })).toBe(gib);
    expect(storedGib(storedBytes)).toBe(gib);
  });
});
