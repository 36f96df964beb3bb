// The only way the dashboard talks to berth: the public REST API on its own origin, with the tenant's
// key as a bearer token. Error bodies ({error: {code, message, requestId}}) become ApiErrors that
// carry the API's own words; a request that never got an answer becomes an UnreachableError.
import type { ErrorBody } from '@berth/contracts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached (offline, DNS, the server down): fetch itself failed. */
export class UnreachableError extends Error {
  constructor(cause?: unknown) {
    super('The API cannot be reached.', { cause });
    this.name = 'UnreachableError';
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error: unknown = body.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string' &&
    'code' in error &&
    typeof error.code === 'string'
  );
}

/** The ApiError for a failed response's status and body text (JSON or not). */
export function errorFromResponse(status: number, text: string): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // a proxy's HTML page, or nothing at all
  }
  if (isErrorBody(body)) {
    const requestId = typeof body.error.requestId === 'string' ? body.error.requestId : null;
    return new ApiError(status, body.error.code, body.error.message, requestId);
  }
  return new ApiError(status, `http/${status}`, `The API answered with status ${status}.`, null);
}

/** NDJSON (one JSON value per line) into values; blank keep-alive lines are skipped. */
export function parseNdjson(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    out.push(JSON.parse(line));
  }
  return out;
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** What to tell a person about a failure, in words. */
export function describeError(e: unknown): string {
  if (e instanceof UnreachableError) return 'The API cannot be reached. Check your connection and try again.';
  if (e instanceof ApiError) {
    if (e.status === 401) return 'That API key was not accepted.';
    if (e.status >= 500) {
      const ref = e.requestId === null ? '' : ` (request ${e.requestId})`;
      return `The API failed to answer${ref}. Try again in a moment.`;
    }
    return e.message.endsWith('.') ? e.message : `${e.message}.`;
  }
  if (e instanceof SyntaxError) return 'The API sent an answer the dashboard could not read.';
  return 'Something went wrong.';
}

export interface Api {
  /** GET a JSON resource. */
  json<T>(path: string, signal?: AbortSignal): Promise<T>;
  /** GET an NDJSON resource, every line. */
  ndjson<T>(path: string, signal?: AbortSignal): Promise<T[]>;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * A client for one key. `onUnauthorized` runs on any 401, after which the key is no good: the app
 * signs out. Paths are relative to the origin ("/v1/usage/live"); the key goes in a header only.
 */
export function createApi(key: string, onUnauthorized: () => void, fetchImpl: Fetch = fetch): Api {
  async function get(path: string, accept: string, signal: AbortSignal | undefined): Promise<string> {
    let res: Response;
    try {
      res = await fetchImpl(path, {
        method: 'GET',
        headers: { authorization: `Bearer ${key}`, accept },
        credentials: 'omit',
        cache: 'no-store',
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new UnreachableError(e);
    }
    const text = await res.text();
    if (!res.ok) {
      const error = errorFromResponse(res.status, text);
      if (res.status === 401) onUnauthorized();
      throw error;
    }
    return text;
  }
  return {
    async json<T>(path: string, signal?: AbortSignal): Promise<T> {
      const body: unknown = JSON.parse(await get(path, 'application/json', signal));
      return body as T;
    },
    async ndjson<T>(path: string, signal?: AbortSignal): Promise<T[]> {
      return parseNdjson(await get(path, 'application/x-ndjson', signal)) as T[];
    },
  };
}
