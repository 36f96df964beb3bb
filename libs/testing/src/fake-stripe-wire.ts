// Stripe's wire conventions, shared by the local Stripe-compatible server's parts (fake-stripe.ts and
// fake-stripe-billing.ts): form bodies in bracket notation, errors in Stripe's shape, parameter checks.
// A TEST DOUBLE's helpers: see fake-stripe.ts for what the server is and why it exists.
import { randomBytes } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Form bodies in Stripe's bracket notation
// ---------------------------------------------------------------------------------------------

/** A parsed form value: strings at the leaves, objects for `a[b]`, arrays for `a[0]`, `a[1]`. */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Keys that would let a crafted body reach Object.prototype; such pairs are refused. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** 'a[b][0]' -> ['a', 'b', '0']; a key that is not in bracket form is kept whole. */
function splitKey(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m?.[1]) return [key];
  const segments = [m[1]];
  for (const part of (m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)) segments.push(part[1] ?? '');
  return segments;
}

export function isFormObject(v: FormValue | undefined): v is FormObject {
  return typeof v === 'object' && !Array.isArray(v);
}

/**
 * Parses `application/x-www-form-urlencoded` text (URLSearchParams does the decoding) and nests
 * bracketed keys. Objects whose keys are exactly 0..n-1 become arrays (the library encodes arrays
 * as `expand[0]=...`), except under `metadata`, whose keys are free-form strings.
 */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const segments = splitKey(rawKey);
    if (segments.some((s) => UNSAFE_KEYS.has(s))) {
      throw invalidRequest(`Invalid parameter name: ${rawKey}`, 'parameter_invalid_string', rawKey);
    }
    let node: FormObject = root;
    for (let i = 0; i < segments.length; i++) {
      // `a[]=x` appends: use the next free index
      const seg = segments[i] === '' ? String(Object.keys(node).length) : (segments[i] ?? '');
      if (i === segments.length - 1) {
        if (isFormObject(node[seg])) throw invalidRequest(`Invalid parameter: ${rawKey}`, undefined, rawKey);
        node[seg] = value;
      } else {
        const next = node[seg];
        if (next === undefined) {
          const created: FormObject = {};
          node[seg] = created;
          node = created;
        } else if (isFormObject(next)) {
          node = next;
        } else {
          throw invalidRequest(
            `Invalid parameter: ${rawKey} conflicts with a plain value`,
            undefined,
            rawKey,
          );
        }
      }
    }
  }
  return normalizeArrays(root, false) as FormObject;
}

function normalizeArrays(value: FormValue, underMetadata: boolean): FormValue {
  if (!isFormObject(value)) return value;
  const keys = Object.keys(value);
  const out: FormObject = {};
  for (const k of keys) out[k] = normalizeArrays(value[k] as FormValue, k === 'metadata');
  const isIndexed = keys.length > 0 && keys.every((k) => /^\d+$/.test(k) && Number(k) < keys.length);
  if (isIndexed && !underMetadata) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => out[String(i)] as FormValue);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors in Stripe's shape
// ---------------------------------------------------------------------------------------------

export type StripeErrorType = 'invalid_request_error' | 'api_error' | 'idempotency_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
}

/** Thrown by handlers; turned into `{ error: {...} }` with its status by the server loop. */
export class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

export function failure(
  status: number,
  type: StripeErrorType,
  message: string,
  code?: string,
  param?: string,
) {
  const error: StripeErrorBody = { type, message };
  if (code) {
    error.code = code;
    error.doc_url = `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
  }
  if (param) error.param = param;
  return new StripeFailure(status, error);
}

export function invalidRequest(message: string, code?: string, param?: string): StripeFailure {
  return failure(400, 'invalid_request_error', message, code, param);
}

export function missing(what: string, id: string, param = 'id'): StripeFailure {
  return failure(404, 'invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing', param);
}

// ---------------------------------------------------------------------------------------------
// Parameter helpers
// ---------------------------------------------------------------------------------------------

/** Stripe refuses parameters an endpoint does not know; `expand` is accepted everywhere. */
export function rejectUnknown(params: FormObject, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (key !== 'expand' && !allowed.includes(key)) {
      throw invalidRequest(`Received unknown parameter: ${key}`, 'parameter_unknown', key);
    }
  }
}

/** A string parameter, or undefined when absent; a nested value where a string belongs is a 400. */
export function optString(params: FormObject, key: string, label = key): string | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw invalidRequest(`Invalid string: ${label}`, 'parameter_invalid_string', label);
  return v;
}

export function reqString(params: FormObject, key: string, label = key): string {
  const v = optString(params, key, label);
  if (v === undefined || v === '') {
    throw invalidRequest(`Missing required param: ${label}.`, 'parameter_missing', label);
  }
  return v;
}

export function optObject(params: FormObject, key: string): FormObject | undefined {
  const v = params[key];
  if (v === undefined || v === '') return undefined;
  if (!isFormObject(v)) throw invalidRequest(`Invalid object: ${key}`, 'parameter_invalid_object', key);
  return v;
}

/** Seconds since the epoch as Stripe sends them: a non-negative integer. */
export function optTimestamp(params: FormObject, key: string): number | undefined {
  const v = optString(params, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw invalidRequest(`Invalid integer: ${v}`, 'parameter_invalid_integer', key);
  return Number(v);
}

export function reqTimestamp(params: FormObject, key: string): number {
  const v = optTimestamp(params, key);
  if (v === undefined) throw invalidRequest(`Missing required param: ${key}.`, 'parameter_missing', key);
  return v;
}

/** `metadata[k]=v` pairs: string values, Stripe's limits of 50 keys, 40-char keys, 500-char values. */
export function parseMetadata(params: FormObject): Record<string, string> {
  const raw = optObject(params, 'metadata');
  const metadata: Record<string, string> = {};
  if (!raw) return metadata;
  const entries = Object.entries(raw);
  if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', undefined, 'metadata');
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw invalidRequest(`Invalid metadata[${k}]`, undefined, `metadata[${k}]`);
    if (k.length > 40)
      throw invalidRequest(`Metadata key ${k} is longer than 40 characters.`, undefined, 'metadata');
    if (v.length > 500)
      throw invalidRequest(`Metadata value for ${k} is too long.`, undefined, `metadata[${k}]`);
    if (v !== '') metadata[k] = v; // an empty value unsets the key in Stripe
  }
  return metadata;
}

/** JSON with sorted object keys, to compare two requests' parameters for idempotency. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Stripe-looking ids: prefix + 24 random alphanumerics. */
export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}${s}`;
}
