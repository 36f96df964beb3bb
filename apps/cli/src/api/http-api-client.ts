import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Api, Query } from './api';
import { ApiError, CliError, InterruptedError } from './errors';

export interface HttpApiClientOptions {
  readonly baseUrl: string;
  /** The bearer token: a tenant API key or the operator token. */
  readonly token: string;
  /** Aborted on Ctrl-C: every request in flight ends with InterruptedError. */
  readonly signal?: AbortSignal;
  readonly userAgent?: string;
  /** Delays between attempts after a network error; the length is the number of retries. */
  readonly retryDelaysMs?: readonly number[];
  /** How many times one request waits out a 429 (rate limited) before giving up; default 5. */
  readonly rateLimitRetries?: number;
  /** The longest one wait on a 429 may be, whatever Retry-After says; default 30 s. */
  readonly rateLimitMaxWaitMs?: number;
  /** Told before each wait on a 429, so that the user knows why nothing happens. */
  readonly onRateLimited?: (wait: RateLimitWait) => void;
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Resolves after `ms`, rejects when `signal` aborts; tests pass one that does not wait. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimitWait {
  readonly method: string;
  readonly path: string;
  readonly waitMs: number;
  /** 1 for the first wait of this request. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** What the CLI prints on stderr before it waits out a 429. */
export function describeRateLimitWait(w: RateLimitWait): string {
  const seconds = Math.max(1, Math.round(w.waitMs / 1000));
  return `berth is rate limiting this key: waiting ${seconds} s before retrying ${w.method} ${w.path} (${w.attempt} of ${w.maxAttempts})`;
}

const DEFAULT_RATE_LIMIT_RETRIES = 5;
const DEFAULT_RATE_LIMIT_MAX_WAIT_MS = 30_000;

/**
 * How long a 429 asks to wait: Retry-After in seconds or as an HTTP date, at most `maxMs`; 1 s when
 * it says nothing usable (berth always sends whole seconds, at least 1).
 */
export function retryAfterMs(header: string | null, maxMs: number, now = Date.now()): number {
  let ms = 1000;
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else if (value && Number.isFinite(Date.parse(value))) ms = Math.max(0, Date.parse(value) - now);
  return Math.min(ms, maxMs);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, undefined, signal ? { signal } : {});
}

/**
 * No header or body timeouts: an exec answers only when its command ends (up to 10 minutes), and a
 * followed log may be quiet for hours; Node's own fetch gives up on both after 5 minutes. Ctrl-C
 * (the invocation's signal) is what ends a wait.
 */
const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

function fetchWithoutTimeouts(url: string, init: RequestInit): Promise<Response> {
  return undiciFetch(url, { ...(init as object), dispatcher });
}

/** Network failures after which the request surely never reached berth. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

export function buildUrl(baseUrl: string, path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as readonly string[]) params.append(k, item);
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return `${baseUrl.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * berth's REST API over fetch. Retries a request that failed on the network when a retry is safe:
 * GETs, POSTs (each carries its own Idempotency-Key, reused by its retries) and, only when the
 * connection was refused outright, DELETEs. A 429 (rate limited) is waited out, as Retry-After says
 * (capped), a bounded number of times, for the idempotent ones: GETs and keyed POSTs.
 */
export class HttpApiClient implements Api {
  readonly baseUrl: string;
  private readonly fetchImpl: (url: string, init: RequestInit) => Promise<Response>;
  private readonly retryDelaysMs: readonly number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: HttpApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? fetchWithoutTimeouts;
    this.retryDelaysMs = opts.retryDelaysMs ?? [250, 1000];
    this.sleep = opts.sleep ?? defaultSleep;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, undefined, query);
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.json<T>('POST', path, body, query);
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('DELETE', path, undefined, query);
  }

  async *lines<T>(path: string, query?: Query): AsyncIterable<T> {
    const res = await this.send('GET', path, undefined, query, undefined);
    if (!res.ok) throw await this.errorOf(res);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield JSON.parse(line) as T;
        }
      }
    } catch (err) {
      throw this.networkError(err);
    }
    const rest = (buffered + decoder.decode()).trim();
    if (rest) yield JSON.parse(rest) as T;
  }

  private async json<T>(method: string, path: string, body: unknown, query: Query | undefined): Promise<T> {
    const key = method === 'POST' ? randomUUID() : undefined;
    const res = await this.send(method, path, body, query, key);
    const text = await res.text().catch((err: unknown) => {
      throw this.networkError(err);
    });
    if (!res.ok) throw this.parseError(res, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError('api/bad_response', `berth answered ${method} ${path} with something not JSON`);
    }
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    query: Query | undefined,
    idempotencyKey: string | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      accept: 'application/json, application/x-ndjson',
      'user-agent': this.opts.userAgent ?? 'berth-cli',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const url = buildUrl(this.baseUrl, path, query);
    const idempotent = method === 'GET' || (method === 'POST' && idempotencyKey !== undefined);
    const maxWaits = this.opts.rateLimitRetries ?? DEFAULT_RATE_LIMIT_RETRIES;
    let waits = 0;
    for (let attempt = 0; ;) {
      if (this.opts.signal?.aborted) throw new InterruptedError();
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        });
      } catch (err) {
        const retryable = method !== 'DELETE' || NOT_SENT.has(causeCode(err) ?? '');
        const delay = this.retryDelaysMs[attempt++];
        if (this.opts.signal?.aborted || !retryable || delay === undefined) throw this.networkError(err);
        await this.pause(delay);
        continue;
      }
      if (res.status !== 429 || !idempotent || waits >= maxWaits) return res;
      waits++;
      const waitMs = retryAfterMs(
        res.headers.get('retry-after'),
        this.opts.rateLimitMaxWaitMs ?? DEFAULT_RATE_LIMIT_MAX_WAIT_MS,
      );
      await res.arrayBuffer().catch(() => undefined); // frees the connection
      this.opts.onRateLimited?.({ method, path, waitMs, attempt: waits, maxAttempts: maxWaits });
      await this.pause(waitMs);
    }
  }

  private async pause(ms: number): Promise<void> {
    await this.sleep(ms, this.opts.signal).catch(() => {
      throw new InterruptedError();
    });
  }

  private networkError(err: unknown): CliError {
    if (this.opts.signal?.aborted) return new InterruptedError();
    const code = causeCode(err);
    const why = code ?? (err instanceof Error ? err.message : String(err));
    return new CliError('network/unreachable', `cannot reach berth at ${this.baseUrl} (${why})`);
  }

  private async errorOf(res: Response): Promise<ApiError> {
    return this.parseError(res, await res.text().catch(() => ''));
  }

  private parseError(res: Response, text: string): ApiError {
    const requestId = res.headers.get('x-request-id') ?? undefined;
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
      const e = body.error;
      if (e && typeof e.code === 'string' && typeof e.message === 'string') {
        return new ApiError(
          e.code,
          e.message,
          res.status,
          typeof e.requestId === 'string' ? e.requestId : requestId,
        );
      }
    } catch {
      // not berth's error body: a proxy's page, say
    }
    const snippet = text.trim().slice(0, 200);
    return new ApiError(`http/${res.status}`, snippet || res.statusText || 'error', res.status, requestId);
  }
}
