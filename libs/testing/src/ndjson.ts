import type { HttpResult } from './http-client';

/** The values of newline-delimited JSON (log streams, `berth logs --json`): one per non-empty line. */
export function parseNdjson(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

/**
 * The values of an NDJSON response as TestHttpClient read it: it parses a one-line body as JSON (one
 * value), leaves several lines as text, and an empty body as undefined (none).
 */
export function ndjsonBody(res: HttpResult): any[] {
  if (res.body === undefined) return [];
  return typeof res.body === 'string' ? parseNdjson(res.body) : [res.body];
}
