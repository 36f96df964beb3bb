import { DomainError } from '@berth/domain';
import { FORBIDDEN_KEYS, type InputShapeLimits } from './input-limits';

/** Which part of a request is checked: it names the root of the paths in messages. */
export type InputPart = 'body' | 'query' | 'params';

const PART_NAMES: Readonly<Record<InputPart, string>> = {
  body: 'the request body',
  query: 'the query string',
  params: 'the path parameters',
};

/** An array or object still to look into, and how to name it in a message. */
interface Pending {
  readonly value: object;
  /** 1 for the input itself. */
  readonly depth: number;
  readonly parent: Pending | null;
  readonly key: string | number;
}

/**
 * Throws a coded 400 when `input` (parsed JSON, a parsed query string or path parameters) breaks one
 * of `limits` or holds a key of FORBIDDEN_KEYS, at any depth; returns when it fits.
 *
 * The walk is iterative (its own stack, never the call stack), so no input can overflow it, and it
 * stops at the first problem: the stack holds at most `maxEntries` items, since entries are counted
 * before they are pushed. Top-level type rules (a body must be an object) are the caller's.
 */
export function assertInputShape(input: unknown, limits: InputShapeLimits, part: InputPart): void {
  if (typeof input === 'string') {
    if (input.length > limits.maxStringLength) throw stringTooLong(part, null, null, input, limits);
    return;
  }
  if (input === null || typeof input !== 'object') return;
  const stack: Pending[] = [{ value: input, depth: 1, parent: null, key: part }];
  let entries = 0;

  const visit = (child: unknown, parent: Pending, key: string | number): void => {
    if (typeof child === 'string') {
      if (child.length > limits.maxStringLength) throw stringTooLong(part, parent, key, child, limits);
      return;
    }
    if (child === null || typeof child !== 'object') return;
    if (parent.depth >= limits.maxDepth) {
      throw new DomainError(
        'request/too_deep',
        `${PART_NAMES[part]} nests arrays and objects more than ${limits.maxDepth} levels deep; berth accepts at most ${limits.maxDepth}`,
        { limit: limits.maxDepth },
      );
    }
    stack.push({ value: child, depth: parent.depth + 1, parent, key });
  };

  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const value = next.value;
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        throw tooMany(
          next,
          `has ${value.length} items; berth accepts at most ${limits.maxArrayLength} in one array`,
          limits.maxArrayLength,
        );
      }
      entries += value.length;
      if (entries > limits.maxEntries) throw tooManyEntries(part, limits);
      for (let i = 0; i < value.length; i++) visit(value[i], next, i);
    } else {
      const keys = Object.keys(value);
      if (keys.length > limits.maxKeysPerObject) {
        throw tooMany(
          next,
          `has ${keys.length} keys; berth accepts at most ${limits.maxKeysPerObject} in one object`,
          limits.maxKeysPerObject,
        );
      }
      entries += keys.length;
      if (entries > limits.maxEntries) throw tooManyEntries(part, limits);
      for (const key of keys) {
        if (key.length > limits.maxKeyLength) {
          throw new DomainError(
            'request/string_too_long',
            `a key in ${pathOf(next)} is ${key.length} characters long; berth accepts keys of at most ${limits.maxKeyLength} characters`,
            { path: pathOf(next), limit: limits.maxKeyLength },
          );
        }
        if (FORBIDDEN_KEYS.has(key)) {
          throw new DomainError(
            'request/forbidden_key',
            `${pathOf(next)} has a key named "${key}": berth refuses the keys ${[...FORBIDDEN_KEYS].join(', ')} anywhere in a request, because they can change how objects behave on the server`,
            { path: pathOf(next), key },
          );
        }
        visit((value as Record<string, unknown>)[key], next, key);
      }
    }
  }
}

function tooMany(at: Pending, what: string, limit: number): DomainError {
  const path = pathOf(at);
  return new DomainError('request/too_many_items', `${path} ${what}`, { path, limit });
}

function tooManyEntries(part: InputPart, limits: InputShapeLimits): DomainError {
  return new DomainError(
    'request/too_many_items',
    `${PART_NAMES[part]} holds more than ${limits.maxEntries} keys and items in all; berth accepts at most ${limits.maxEntries}`,
    { limit: limits.maxEntries },
  );
}

function stringTooLong(
  part: InputPart,
  parent: Pending | null,
  key: string | number | null,
  value: string,
  limits: InputShapeLimits,
): DomainError {
  const path = parent && key !== null ? `${pathOf(parent)}${segment(key)}` : part;
  return new DomainError(
    'request/string_too_long',
    `${path} is ${value.length} characters long; berth accepts strings of at most ${limits.maxStringLength} characters`,
    { path, limit: limits.maxStringLength },
  );
}

/** `body.rules[2].cidr`: where a problem is, for a person to find it in what they sent. */
function pathOf(at: Pending): string {
  const keys: Array<string | number> = [];
  for (let p: Pending | null = at; p !== null; p = p.parent) keys.push(p.key);
  const [root, ...rest] = keys.reverse();
  return `${String(root)}${rest.map(segment).join('')}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const SHOWN_KEY_LENGTH = 64;

function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  if (IDENTIFIER.test(key) && key.length <= SHOWN_KEY_LENGTH) return `.${key}`;
  // A hostile key could be long or full of quotes: show a bounded, quoted prefix.
  const shown = key.length > SHOWN_KEY_LENGTH ? `${key.slice(0, SHOWN_KEY_LENGTH)}...` : key;
  return `[${JSON.stringify(shown)}]`;
}
