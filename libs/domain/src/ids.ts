// Prefixed, branded ids (DESIGN.md "Rules worth keeping"). The prefix tells a reader and a log
// line what an id names; the brand stops a ContainerId being passed where a HostId is wanted.
// The body is a lowercase ULID so that ids sort by creation time, which cursor pagination uses.
// Randomness comes from Web Crypto (global in Node and in browsers), so that the CLI and the dashboard
// can run this module too (libs/domain imports no Node builtin: eslint.config.mjs).

export const ID_PREFIXES = [
  'ten',
  'key',
  'hst',
  'ctr',
  'pod',
  'img',
  'vol',
  'snap',
  'net',
  'fip',
  'sg',
  'sgr',
  'op',
  'use',
  'jtk',
  'bdl',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

export type Id<P extends IdPrefix> = `${P}_${string}` & { readonly __idBrand: P };

export type TenantId = Id<'ten'>;
export type ApiKeyId = Id<'key'>;
export type HostId = Id<'hst'>;
export type ContainerId = Id<'ctr'>;
export type PodId = Id<'pod'>;
export type ImageId = Id<'img'>;
export type VolumeId = Id<'vol'>;
export type SnapshotId = Id<'snap'>;
export type NetworkId = Id<'net'>;
export type FloatingIpId = Id<'fip'>;
export type SecurityGroupId = Id<'sg'>;
export type SecurityRuleId = Id<'sgr'>;
export type OperationId = Id<'op'>;
export type UsageId = Id<'use'>;
/** A join token (or a host's re-admission token) an agent registers with. */
export type JoinTokenId = Id<'jtk'>;
/** A usage interval the billing worker gave up on (billing_dead_letters). */
export type BillingDeadLetterId = Id<'bdl'>;

// Crockford base32, which leaves out i, l and o (misread as 1 and 0) and u. Lowercase because ids
// are typed into URLs and shell commands.
export const ULID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
// 10 bytes = 80 bits = exactly 16 base32 characters.
const RANDOM_BYTES = 10;
/** The largest timestamp a ULID can hold: 48 bits of milliseconds (year 10889). */
export const ULID_MAX_TIME_MS = 2 ** 48 - 1;

const BODY_PATTERN = '[0-9a-hjkmnp-tv-z]{26}';
const ANY_ID = new RegExp(`^([a-z]+)_(${BODY_PATTERN})$`);
const patterns = new Map<IdPrefix, RegExp>(ID_PREFIXES.map((p) => [p, new RegExp(`^${p}_${BODY_PATTERN}$`)]));

function patternFor(prefix: IdPrefix): RegExp {
  const pattern = patterns.get(prefix);
  // Only reachable when a caller bypasses the types with a cast.
  if (pattern === undefined) throw new TypeError(`unknown id prefix: ${String(prefix)}`);
  return pattern;
}

export function isIdPrefix(value: unknown): value is IdPrefix {
  return typeof value === 'string' && (ID_PREFIXES as readonly string[]).includes(value);
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  // Division rather than bit shifts: JavaScript bitwise operators truncate to 32 bits.
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ULID_ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ULID_ALPHABET.charAt((buffer >> bits) & 31);
    }
    // Keep only the bits not yet emitted so the buffer never outgrows 32 bits.
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/**
 * Makes a new id: `<prefix>_` then a 26-character lowercase ULID (10 characters of
 * millisecond timestamp, 16 characters of randomness from the OS CSPRNG).
 * An id made in a later millisecond sorts after one made earlier; within one millisecond the
 * order is random. `nowMs` exists so callers and tests can pin the time.
 */
export function newId<P extends IdPrefix>(prefix: P, nowMs: number = Date.now()): Id<P> {
  if (!isIdPrefix(prefix)) throw new TypeError(`unknown id prefix: ${String(prefix)}`);
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > ULID_MAX_TIME_MS) {
    throw new RangeError(`id timestamp must be an integer from 0 to ${ULID_MAX_TIME_MS} ms, got ${nowMs}`);
  }
  return `${prefix}_${encodeTime(nowMs)}${encodeRandom(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES)))}` as Id<P>;
}

/** True when `value` is a well-formed id with exactly this prefix. */
export function isId<P extends IdPrefix>(prefix: P, value: unknown): value is Id<P> {
  return typeof value === 'string' && patternFor(prefix).test(value);
}

/** Narrows untrusted input (a URL segment, a JSON field) to an id, or null when it is not one. */
export function parseId<P extends IdPrefix>(prefix: P, value: unknown): Id<P> | null {
  return isId(prefix, value) ? value : null;
}

/** The creation time, in ms since the epoch, encoded in an id's ULID. */
export function idTimestamp(id: Id<IdPrefix>): number {
  // The type cannot promise the shape when the value came through a cast, so check it.
  const match = ANY_ID.exec(id);
  if (match === null || !isIdPrefix(match[1])) throw new TypeError(`not an id: ${String(id)}`);
  let ms = 0;
  for (const ch of (match[2] ?? '').slice(0, TIME_CHARS)) ms = ms * 32 + ULID_ALPHABET.indexOf(ch);
  return ms;
}
