import {
  DEFAULT_SIZE,
  SIZES,
  SIZE_NAMES,
  ZERO_RESOURCES,
  addResources,
  fitsWithin,
  formatResources,
  isSizeName,
  sizeResources,
  subtractResources,
  type Resources,
  type SizeName,
} from './sizes';

const r = (vcpu: number, memoryMib: number, diskGib: number): Resources => ({ vcpu, memoryMib, diskGib });

// Written out independently: prices and quotas are keyed on these.
const EXPECTED: ReadonlyArray<readonly [SizeName, number, number, number]> = [
  ['s1', 1, 64, 10],
  ['s2', 1, 128, 10],
  ['s3', 1, 256, 10],
  ['s4', 1, 512, 10],
  ['m1', 1, 1024, 10],
  ['m2', 2, 2048, 10],
  ['m3', 2, 4096, 10],
  ['l1', 4, 4096, 10],
  ['l2', 4, 8192, 10],
  ['l3', 8, 16384, 10],
];

describe('SIZES', () => {
  it.each(EXPECTED)('%s is %d vCPU, %d MiB, %d GiB', (name, vcpu, memoryMib, diskGib) => {
    expect(SIZES[name]).toEqual({ vcpu, memoryMib, diskGib });
    expect(sizeResources(name)).toEqual({ vcpu, memoryMib, diskGib });
  });

  it('SIZE_NAMES lists every size, smallest first', () => {
    expect([...SIZE_NAMES]).toEqual(EXPECTED.map(([n]) => n));
    expect(Object.isFrozen(SIZE_NAMES)).toBe(true);
  });

  it('never shrinks in any dimension from one size to the next', () => {
    for (let i = 1; i < SIZE_NAMES.length; i++) {
      const prev = sizeResources(SIZE_NAMES[i - 1] ?? 's1');
      const cur = sizeResources(SIZE_NAMES[i] ?? 's1');
      expect(fitsWithin(prev, cur)).toBe(true);
      expect(prev).not.toEqual(cur);
    }
  });

  it('defaults to s4', () => {
    expect(DEFAULT_SIZE).toBe('s4');
    expect(isSizeName(DEFAULT_SIZE)).toBe(true);
  });
});

describe('isSizeName', () => {
  it('accepts every size', () => {
    for (const n of SIZE_NAMES) expect(isSizeName(n)).toBe(true);
  });

  it.each([
    ['S1'],
    ['s5'],
    ['xl'],
    [''],
    ['toString'],
    ['constructor'],
    ['__proto__'],
    [1],
    [null],
    [undefined],
    [{}],
  ])('refuses %p', (v) => {
    expect(isSizeName(v)).toBe(false);
  });
});

describe('resource arithmetic', () => {
  it('ZERO_RESOURCES is zero everywhere and frozen', () => {
    expect(ZERO_RESOURCES).toEqual(r(0, 0, 0));
    expect(Object.isFrozen(ZERO_RESOURCES)).toBe(true);
  });

  it.each([
    [r(0, 0, 0), r(0, 0, 0), r(0, 0, 0)],
    [r(1, 512, 10), r(2, 2048, 10), r(3, 2560, 20)],
    [r(8, 16384, 10), ZERO_RESOURCES, r(8, 16384, 10)],
  ])('adds %j + %j = %j', (a, b, sum) => {
    expect(addResources(a, b)).toEqual(sum);
    expect(addResources(b, a)).toEqual(sum);
  });

  it.each([
    [r(16, 32768, 500), r(1, 512, 10), r(15, 32256, 490)],
    [r(1, 512, 10), r(1, 512, 10), r(0, 0, 0)],
    // Overcommitted hosts show negative free space rather than a misleading zero.
    [r(1, 512, 10), r(2, 1024, 20), r(-1, -512, -10)],
  ])('subtracts %j - %j = %j', (a, b, diff) => {
    expect(subtractResources(a, b)).toEqual(diff);
  });

  it('subtract undoes add', () => {
    for (const a of SIZE_NAMES) {
      for (const b of SIZE_NAMES) {
        expect(subtractResources(addResources(sizeResources(a), sizeResources(b)), sizeResources(b))).toEqual(
          sizeResources(a),
        );
      }
    }
  });

  it('does not mutate its inputs', () => {
    const a = r(1, 2, 3);
    const b = r(4, 5, 6);
    addResources(a, b);
    subtractResources(a, b);
    expect(a).toEqual(r(1, 2, 3));
    expect(b).toEqual(r(4, 5, 6));
  });

  it.each([
    ['exact fit', r(1, 512, 10), r(1, 512, 10), true],
    ['room to spare', r(1, 512, 10), r(4, 8192, 100), true],
    ['zero in zero', ZERO_RESOURCES, ZERO_RESOURCES, true],
    ['too many vCPU', r(2, 512, 10), r(1, 8192, 100), false],
    ['too much memory', r(1, 1024, 10), r(8, 1023, 100), false],
    ['too much disk', r(1, 512, 11), r(8, 8192, 10), false],
    ['negative free space', r(0, 0, 0), r(-1, 0, 0), false],
  ])('fitsWithin: %s', (_why, request, free, fits) => {
    expect(fitsWithin(request, free)).toBe(fits);
  });

  it('formats resources for people', () => {
    expect(formatResources(sizeResources('s4'))).toBe('1 vCPU / 512 MiB / 10 GiB');
  });
});
