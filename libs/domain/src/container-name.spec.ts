import {
  CONTAINER_NAME_PATTERN,
  LABEL_KEY_PATTERN,
  MAX_LABELS,
  MAX_LABEL_VALUE_LENGTH,
  isValidContainerName,
  validateContainerName,
  validateLabels,
} from './container-name';
import { DomainError } from './errors';

function thrown(fn: () => void): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('container names', () => {
  it.each([
    ['a'],
    ['Z'],
    ['7'],
    ['web'],
    ['web-1'],
    ['my_app.v2'],
    ['A.b_c-D'],
    ['0.0.0'],
    ['x'.repeat(63)],
    ['a' + '-_.'.repeat(20) + 'zz'],
  ])('accepts %p', (name) => {
    expect(isValidContainerName(name)).toBe(true);
    expect(() => validateContainerName(name)).not.toThrow();
  });

  it.each([
    [''],
    ['x'.repeat(64)],
    ['-web'],
    ['_web'],
    ['.web'],
    ['/web'],
    ['web app'],
    ['web/app'],
    ['web:1'],
    ['wéb'],
    ['web\n'],
    ['ünicode'],
  ])('refuses %p', (name) => {
    expect(isValidContainerName(name)).toBe(false);
    const e = thrown(() => validateContainerName(name));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toContain('container name must be 1 to 63 characters');
    expect(e.details).toEqual({ field: 'name' });
  });

  it.each([[undefined], [null], [42], [['web']], [{}]])('refuses non-string %p', (name) => {
    expect(isValidContainerName(name)).toBe(false);
    expect(() => validateContainerName(name)).toThrow(DomainError);
  });

  it('uses the documented pattern', () => {
    expect(CONTAINER_NAME_PATTERN.source).toBe('^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$');
  });
});

describe('label keys', () => {
  it.each([
    ['a'],
    ['A'],
    ['9'],
    ['env'],
    ['Tier'],
    ['app.kubernetes.io/name'],
    ['team_owner'],
    ['a-b'],
    ['ab'],
    ['x'.repeat(63)],
  ])('accepts %p', (key) => {
    expect(LABEL_KEY_PATTERN.test(key)).toBe(true);
    expect(() => validateLabels({ [key]: 'v' })).not.toThrow();
  });

  it.each([
    [''],
    ['-a'],
    ['a-'],
    ['.a'],
    ['a.'],
    ['/a'],
    ['a/'],
    ['_a'],
    ['a_'],
    ['a b'],
    ['a:b'],
    ['a=b'],
    ['ключ'],
    ['x'.repeat(64)],
    ['__proto__'],
  ])('refuses %p', (key) => {
    expect(LABEL_KEY_PATTERN.test(key)).toBe(false);
    const e = thrown(() => validateLabels({ [key]: 'v' }));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toContain('label key');
    expect(e.details).toMatchObject({ field: 'labels' });
  });

  it('keeps a huge bad key out of the message', () => {
    const e = thrown(() => validateLabels({ ['-'.repeat(10_000)]: 'v' }));
    expect(e.message.length).toBeLessThan(300);
  });
});

describe('validateLabels', () => {
  it('accepts no labels', () => {
    expect(() => validateLabels({})).not.toThrow();
  });

  it(`accepts exactly ${MAX_LABELS} labels and refuses one more`, () => {
    expect(MAX_LABELS).toBe(64);
    const labels: Record<string, string> = {};
    for (let i = 0; i < MAX_LABELS; i++) labels[`k${i}`] = 'v';
    expect(() => validateLabels(labels)).not.toThrow();
    labels['one-more'] = 'v';
    const e = thrown(() => validateLabels(labels));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toBe('a container may have at most 64 labels, got 65');
    expect(e.details).toEqual({ field: 'labels', count: 65, max: 64 });
  });

  it(`accepts values up to ${MAX_LABEL_VALUE_LENGTH} characters and refuses longer`, () => {
    expect(MAX_LABEL_VALUE_LENGTH).toBe(255);
    expect(() => validateLabels({ k: '' })).not.toThrow();
    expect(() => validateLabels({ k: 'x'.repeat(255) })).not.toThrow();
    const e = thrown(() => validateLabels({ k: 'x'.repeat(256) }));
    expect(e.code).toBe('request/invalid');
    expect(e.message).toBe('label "k" has a value of 256 characters; the limit is 255');
    expect(e.details).toEqual({ field: 'labels', key: 'k', length: 256, max: 255 });
  });

  it('counts characters, not UTF-16 units, as Postgres does', () => {
    // 255 emoji are 510 UTF-16 units but 255 characters.
    expect(() => validateLabels({ k: '🚢'.repeat(255) })).not.toThrow();
    expect(() => validateLabels({ k: '🚢'.repeat(256) })).toThrow(DomainError);
  });

  it('allows any characters in values', () => {
    expect(() => validateLabels({ note: 'héllo wörld = 1, "quoted" / ok\n' })).not.toThrow();
  });

  it.each([[1], [null], [undefined], [true], [{}]])(
    'refuses a non-string value %p from untyped JSON',
    (value) => {
      const e = thrown(() => validateLabels({ k: value } as unknown as Record<string, string>));
      expect(e.code).toBe('request/invalid');
      expect(e.message).toBe('label "k" must have a string value');
    },
  );

  it('checks the count before anything else', () => {
    const labels: Record<string, string> = { '-bad': 'v' };
    for (let i = 0; i < MAX_LABELS; i++) labels[`k${i}`] = 'v';
    expect(thrown(() => validateLabels(labels)).message).toContain('at most 64 labels');
  });
});
