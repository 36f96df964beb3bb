/** Query values: arrays repeat the parameter (`label=a=1&label=b=2`); undefined ones are left out. */
export type Query = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/**
 * What commands need from berth's REST API. The real client is HttpApiClient; unit specs inject a
 * recording one. Every method throws ApiError for an error answer, CliError('network/...') when
 * berth cannot be reached, and InterruptedError when the invocation's signal is aborted (Ctrl-C).
 */
export interface Api {
  readonly baseUrl: string;
  get<T>(path: string, query?: Query): Promise<T>;
  /**
   * POST with a fresh Idempotency-Key per call (kept across its own retries), so that a retry after
   * a lost answer never acts twice.
   */
  post<T>(path: string, body?: unknown, query?: Query): Promise<T>;
  delete<T>(path: string, query?: Query): Promise<T>;
  /** Streams an NDJSON answer, one parsed value per line, until the server ends it. */
  lines<T>(path: string, query?: Query): AsyncIterable<T>;
}

/** `encodeURIComponent` for one path segment (names, ids, image references such as `a/b:c`). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
