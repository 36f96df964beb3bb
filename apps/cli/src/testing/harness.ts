// Test doubles for unit specs: a fake berth that records every request and answers from routes,
// an output that records stdout and stderr, and runBerth() to drive one invocation with them.
// No server is started: specs check the requests a command builds and what it prints.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { OperationView } from '@berth/contracts';
import type { Api, Query } from '../api/api';
import { ApiError } from '../api/errors';
import { runCli } from '../cli';
import { readCliEnv } from '../config/cli-env';
import { ConfigStore } from '../config/config-store';
import { NO_ACTIVITY, type Activity, type Output } from '../output/output';
import type { Input } from '../util/input';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Query;
  readonly body: unknown;
  readonly baseUrl: string;
  readonly token: string;
}

/** An answer: a value, or a function of the request; throw an ApiError (see apiError) to fail. */
export type Answer = unknown;
type Route = { method: string; path: string | RegExp; answer: Answer; times: number | undefined };

export function apiError(status: number, code: string, message: string): ApiError {
  return new ApiError(code, message, status, 'req_test');
}

export class FakeBerth {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];

  /** Answers `method path` (exact, or a RegExp); a later route wins; `times` limits its use. */
  on(method: string, path: string | RegExp, answer: Answer, times?: number): this {
    this.routes.unshift({ method, path, answer, times });
    return this;
  }

  /** The requests made to `method path` (path without query). */
  calls(method: string, path?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (path === undefined || r.path === path));
  }

  readonly connect = (baseUrl: string, token: string): Api => new RecordingApi(this, baseUrl, token);

  async answer(req: RecordedRequest): Promise<unknown> {
    this.requests.push(req);
    const route = this.routes.find(
      (r) =>
        r.method === req.method &&
        (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)) &&
        (r.times === undefined || r.times > 0),
    );
    if (!route) throw new Error(`unexpected request ${req.method} ${req.path}`);
    if (route.times !== undefined) route.times--;
    const value: unknown =
      typeof route.answer === 'function'
        ? await (route.answer as (r: RecordedRequest) => unknown)(req)
        : route.answer;
    if (value instanceof Error) throw value;
    return value;
  }
}

class RecordingApi implements Api {
  constructor(
    private readonly berth: FakeBerth,
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private call(method: string, path: string, query: Query = {}, body?: unknown): Promise<unknown> {
    return this.berth.answer({ method, path, query, body, baseUrl: this.baseUrl, token: this.token });
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call('GET', path, query) as Promise<T>;
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.call('POST', path, query, body) as Promise<T>;
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.call('DELETE', path, query) as Promise<T>;
  }

  async *lines<T>(path: string, query?: Query): AsyncIterable<T> {
    const lines = (await this.call('GET', path, query)) as T[];
    for (const l of lines) yield l;
  }
}

export class RecordingOutput implements Output {
  stdout = '';
  stderr = '';
  readonly activities: string[] = [];

  constructor(readonly interactive = false) {}

  out(text: string): void {
    this.stdout += text;
  }

  err(text: string): void {
    this.stderr += text;
  }

  activity(text: string): Activity {
    this.activities.push(text);
    return NO_ACTIVITY;
  }
}

export interface RunOptions {
  readonly berth?: FakeBerth;
  /** Environment variables; default: a tenant key in BERTH_API_KEY and a temp HOME. */
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly tty?: boolean;
  /** Whether stderr is a terminal a person watches (spinners, and what is for a person only). */
  readonly interactive?: boolean;
  /** Answers to prompts, in order. */
  readonly answers?: string[];
}

export const TEST_KEY = 'bk_abcdefghij_0123456789abcdefghijklmnopqrstuv';
export const NOW = new Date('2026-01-02T03:04:05.000Z');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly berth: FakeBerth;
  readonly output: RecordingOutput;
  readonly store: ConfigStore;
  readonly prompts: string[];
}

/** Runs `berth <argv>` in-process against a FakeBerth. */
export async function runBerth(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const berth = opts.berth ?? new FakeBerth();
  const vars = opts.env ?? { BERTH_API_KEY: TEST_KEY, BERTH_API_URL: 'http://berth.test' };
  const env = readCliEnv({ HOME: mkdtempSync(path.join(tmpdir(), 'berth-cli-home-')), ...vars });
  const store = new ConfigStore(env.configDir);
  const output = new RecordingOutput(opts.interactive ?? false);
  const prompts: string[] = [];
  const answers = [...(opts.answers ?? [])];
  const input: Input = {
    isTTY: opts.tty ?? false,
    readAll: () => Promise.resolve(opts.stdin ?? ''),
    prompt: (q) => {
      prompts.push(q);
      return Promise.resolve(answers.shift() ?? '');
    },
  };
  const code = await runCli(argv, {
    out: output,
    input,
    env,
    store,
    connect: berth.connect,
    now: () => NOW,
    sleep: () => Promise.resolve(),
    version: '9.9.9',
  });
  return { code, stdout: output.stdout, stderr: output.stderr, berth, output, store, prompts };
}

/** An operation as the API shows one. */
export function operation(over: Partial<OperationView> = {}): OperationView {
  return {
    id: 'op_1',
    kind: 'container.create',
    state: 'succeeded',
    targetId: 'ctr_1',
    error: null,
    progress: null,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    completedAt: NOW.toISOString(),
    ...over,
  };
}
