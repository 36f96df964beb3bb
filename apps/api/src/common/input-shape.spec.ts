import { DomainError } from '@berth/domain';
import { COMMAND_OUTPUT_LIMITS, INPUT_LIMITS, MAX_BODY_BYTES } from './input-limits';
import { assertInputShape, type InputPart } from './input-shape';

/** The DomainError `assertInputShape` throws for `input`, or undefined when it fits. */
function problem(input: unknown, part: InputPart = 'body', limits = INPUT_LIMITS): DomainError | undefined {
  try {
    assertInputShape(input, limits, part);
    return undefined;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
}

function nestedArrays(levels: number): unknown {
  return JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
}

function nestedObjects(levels: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`);
}

function objectWithKeys(n: number, value: unknown = 'v'): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, value]));
}

describe('assertInputShape', () => {
  it('accepts the largest requests the DTOs allow', () => {
    const container = {
      image: 'registry.example.com/team/app:1.2.3',
      name: 'web-1',
      command: Array.from({ length: 256 }, () => 'x'.repeat(4096)),
      env: Object.fromEntries(
        Array.from({ length: 256 }, (_, i) => [`V${i}${'_'.repeat(250)}`, 'x'.repeat(32768)]),
      ),
      labels: objectWithKeys(64, 'y'.repeat(255)),
      networks: ['a', 'b', 'c', 'd'],
      volumes: Array.from({ length: 16 }, (_, i) => `vol${i}:/data/${i}`),
      securityGroups: ['a', 'b', 'c', 'd', 'e'],
    };
    expect(problem(container)).toBeUndefined();
    const group = {
      name: 'web',
      rules: Array.from({ length: 60 }, () => ({
        direction: 'ingress',
        protocol: 'tcp',
        portFrom: 1,
        portTo: 65535,
        cidr: '0.0.0.0/0',
      })),
    };
    expect(problem(group)).toBeUndefined();
    expect(problem({ label: Array.from({ length: 16 }, (_, i) => `k${i}=v`), limit: '50' }, 'query')).toBe(
      undefined,
    );
  });

  it('accepts primitives and empty containers', () => {
    for (const v of [undefined, null, 0, 1e308, true, '', 'x', {}, []]) expect(problem(v)).toBeUndefined();
  });

  it.each([
    ['arrays', nestedArrays],
    ['objects', nestedObjects],
  ])('accepts %s nested exactly maxDepth levels and refuses one more', (_kind, nested) => {
    expect(problem(nested(INPUT_LIMITS.maxDepth))).toBeUndefined();
    const err = problem(nested(INPUT_LIMITS.maxDepth + 1));
    expect(err?.code).toBe('request/too_deep');
    expect(err?.status).toBe(400);
    expect(err?.message).toBe(
      'the request body nests arrays and objects more than 32 levels deep; berth accepts at most 32',
    );
  });

  it('refuses nesting far deeper than any call stack without overflowing its own', () => {
    for (const levels of [2_000, 1_000_000]) {
      expect(problem(nestedArrays(levels))?.code).toBe('request/too_deep');
      expect(problem(nestedObjects(levels))?.code).toBe('request/too_deep');
    }
    // Mixed, and only one deep branch among shallow ones.
    const mixed = {
      ok: [1, 2, { fine: true }],
      deep: JSON.parse(`${'[{"x":'.repeat(500)}1${'}]'.repeat(500)}`),
    };
    expect(problem(mixed)?.code).toBe('request/too_deep');
  });

  it('refuses an array longer than maxArrayLength, naming where it is', () => {
    expect(problem({ command: new Array(INPUT_LIMITS.maxArrayLength).fill('x') })).toBeUndefined();
    const err = problem({ command: new Array(INPUT_LIMITS.maxArrayLength + 1).fill('x') });
    expect(err?.code).toBe('request/too_many_items');
    expect(err?.message).toBe('body.command has 1025 items; berth accepts at most 1024 in one array');
    expect(err?.details).toEqual({ path: 'body.command', limit: 1024 });
    expect(problem(new Array(200_000).fill(0))?.message).toMatch(/^body has 200000 items/);
    expect(problem({ label: new Array(100_000).fill('a=b') }, 'query')?.message).toMatch(
      /^query.label has 100000 items/,
    );
  });

  it('refuses an object with more than maxKeysPerObject keys', () => {
    expect(problem({ env: objectWithKeys(INPUT_LIMITS.maxKeysPerObject) })).toBeUndefined();
    const err = problem({ rules: [{ env: objectWithKeys(INPUT_LIMITS.maxKeysPerObject + 1) }] });
    expect(err?.code).toBe('request/too_many_items');
    expect(err?.message).toBe('body.rules[0].env has 1025 keys; berth accepts at most 1024 in one object');
    expect(problem(objectWithKeys(50_000))?.code).toBe('request/too_many_items');
  });

  it('refuses more than maxEntries keys and items in all, each container being within its own limit', () => {
    // 10 arrays of 999 items plus their 10 keys: exactly the limit.
    const atLimit = objectWithKeys(10, new Array(999).fill(0));
    expect(problem(atLimit)).toBeUndefined();
    const over = { ...atLimit, extra: 1 };
    const err = problem(over);
    expect(err?.code).toBe('request/too_many_items');
    expect(err?.message).toBe(
      'the request body holds more than 10000 keys and items in all; berth accepts at most 10000',
    );
    // Wide and deep at once: 1,000 arrays of 1,000.
    expect(problem(new Array(1000).fill(new Array(1000).fill(0)))?.code).toBe('request/too_many_items');
  });

  it('refuses a string longer than maxStringLength, and a longer key than maxKeyLength', () => {
    expect(problem({ env: { A: 'x'.repeat(INPUT_LIMITS.maxStringLength) } })).toBeUndefined();
    const err = problem({ env: { A: 'x'.repeat(INPUT_LIMITS.maxStringLength + 1) } });
    expect(err?.code).toBe('request/string_too_long');
    expect(err?.message).toBe(
      'body.env.A is 65537 characters long; berth accepts strings of at most 65536 characters',
    );
    expect(problem({ command: ['ok', 'x'.repeat(100_000)] })?.message).toMatch(
      /^body.command\[1\] is 100000/,
    );
    expect(problem('x'.repeat(100_000))?.message).toMatch(/^body is 100000 characters long/);
    expect(problem({ [`${'k'.repeat(INPUT_LIMITS.maxKeyLength)}`]: 1 })).toBeUndefined();
    const key = problem({ env: { [`${'k'.repeat(INPUT_LIMITS.maxKeyLength + 1)}`]: 'v' } });
    expect(key?.code).toBe('request/string_too_long');
    expect(key?.message).toBe(
      'a key in body.env is 1025 characters long; berth accepts keys of at most 1024 characters',
    );
  });

  it('lets a route with other limits take longer strings (an exec result carries command output)', () => {
    const output = { stdout: 'o'.repeat(MAX_BODY_BYTES - 100), exitCode: 0 };
    expect(problem(output)?.code).toBe('request/string_too_long');
    expect(problem(output, 'body', COMMAND_OUTPUT_LIMITS)).toBeUndefined();
    expect(problem(nestedArrays(100), 'body', COMMAND_OUTPUT_LIMITS)?.code).toBe('request/too_deep');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s at any depth', (key) => {
    const top = problem(JSON.parse(`{"${key}":{"polluted":true}}`));
    expect(top?.code).toBe('request/forbidden_key');
    expect(top?.status).toBe(400);
    expect(top?.message).toBe(
      `body has a key named "${key}": berth refuses the keys __proto__, constructor, prototype anywhere in a request, because they can change how objects behave on the server`,
    );
    const deep = problem(JSON.parse(`{"a":[1,{"b":{"${key}":1}}]}`));
    expect(deep?.code).toBe('request/forbidden_key');
    expect(deep?.details).toEqual({ path: 'body.a[1].b', key });
    // A query string parser's object has no prototype: its keys are checked all the same.
    const query = Object.assign(Object.create(null) as object, { [key]: 'x' });
    expect(problem(query, 'query')?.code).toBe('request/forbidden_key');
    // As a value, the word is just a string (a container may be called "constructor").
    expect(problem({ name: key, list: [key] })).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names hostile keys in a bounded, quoted form', () => {
    const err = problem({ [`we"ird ${'k'.repeat(500)}`]: ['x'.repeat(70_000)] });
    expect(err?.code).toBe('request/string_too_long');
    expect(err?.message).toBe(
      `body["we\\"ird ${'k'.repeat(57)}..."][0] is 70000 characters long; berth accepts strings of at most 65536 characters`,
    );
    expect(problem({ a: { 'b-c': { 3: 'x'.repeat(70_000) } } })?.message).toMatch(
      /^body\.a\["b-c"\]\["3"\] is/,
    );
  });

  it('reads its input without changing it', () => {
    const input = { env: { A: 'b' }, list: [1, [2, [3]]] };
    const copy = structuredClone(input);
    expect(problem(input)).toBeUndefined();
    expect(input).toEqual(copy);
  });
});
