import { checkContainerVolumes, volumesToPlace, type MountableVolume } from './container-volumes';
import { DomainError } from './errors';
import type { HostId } from './ids';
import { initialVolumeState, storageDeletionState, VOLUME_STATES, type VolumeState } from './volumes';

const H1 = 'hst_01jd0000000000000000000001' as HostId;
const H2 = 'hst_01jd0000000000000000000002' as HostId;

function volume(name: string, over: Partial<MountableVolume> = {}): MountableVolume {
  return { id: `vol_${name}`, name, state: 'available', hostId: H1, containerId: null, ...over };
}

function codeOf(work: () => unknown): string | null {
  try {
    work();
    return null;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
}

describe('checkContainerVolumes', () => {
  it('keeps existing volumes in the order asked, on their host, and makes the missing names', () => {
    const a = volume('a');
    const b = volume('b');
    const plan = checkContainerVolumes([
      { mount: { volume: 'b', path: '/b' }, volume: b },
      { mount: { volume: 'new', path: '/n' }, volume: null },
      { mount: { volume: 'a', path: '/a' }, volume: a },
    ]);
    expect(plan).toEqual({
      existing: [
        { volume: b, path: '/b' },
        { volume: a, path: '/a' },
      ],
      missing: [{ volume: 'new', path: '/n' }],
      host: H1,
    });
    expect(volumesToPlace(plan)).toEqual({ host: H1, existing: ['b', 'a'], missing: ['new'] });
  });

  it('makes a deleted name again, but never an id that does not exist', () => {
    const deleted = volume('old', { state: 'deleted' });
    expect(
      checkContainerVolumes([{ mount: { volume: 'old', path: '/o' }, volume: deleted }]).missing,
    ).toEqual([{ volume: 'old', path: '/o' }]);
    expect(
      codeOf(() =>
        checkContainerVolumes([
          { mount: { volume: 'vol_01jd0000000000000000000009', path: '/x' }, volume: null },
        ]),
      ),
    ).toBe('volume/not_found');
  });

  it.each(VOLUME_STATES.filter((s) => s !== 'available' && s !== 'deleted').map((s) => [s]))(
    'refuses a volume that is %s',
    (state) => {
      const v = volume('v', { state: state as VolumeState });
      expect(codeOf(() => checkContainerVolumes([{ mount: { volume: 'v', path: '/v' }, volume: v }]))).toBe(
        'volume/not_ready',
      );
    },
  );

  it("refuses another container's volume: one writer at a time", () => {
    const v = volume('v', { containerId: 'ctr_01jd0000000000000000000001' });
    expect(codeOf(() => checkContainerVolumes([{ mount: { volume: 'v', path: '/v' }, volume: v }]))).toBe(
      'volume/in_use',
    );
  });

  it('refuses volumes on two hosts', () => {
    const found = [
      { mount: { volume: 'a', path: '/a' }, volume: volume('a') },
      { mount: { volume: 'b', path: '/b' }, volume: volume('b', { hostId: H2 }) },
    ];
    expect(codeOf(() => checkContainerVolumes(found))).toBe('volume/host_conflict');
  });

  it('has no host when it names no existing volume', () => {
    expect(checkContainerVolumes([]).host).toBeNull();
  });
});

describe('initialVolumeState and storageDeletionState', () => {
  it('makes an empty volume available at once, a restored one when its host has made it', () => {
    expect(initialVolumeState(false)).toBe('available');
    expect(initialVolumeState(true)).toBe('creating');
  });

  it.each(VOLUME_STATES.map((s) => [s]))('delete from %s', (state) => {
    const what = { noun: 'volume', notReady: 'volume/not_ready' as const };
    const allowed: Partial<Record<VolumeState, VolumeState>> = { available: 'deleting', failed: 'deleting' };
    const expected = allowed[state];
    if (expected) expect(storageDeletionState({ name: 'v', state }, what)).toBe(expected);
    else expect(codeOf(() => storageDeletionState({ name: 'v', state }, what))).toBe('volume/not_ready');
  });
});
