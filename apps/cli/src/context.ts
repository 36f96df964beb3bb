import type { Api } from './api/api';
import { CliError } from './api/errors';
import type { CliEnv } from './config/cli-env';
import type { ConfigStore } from './config/config-store';
import type { Output } from './output/output';
import type { Input } from './util/input';

/** Where berth answers when neither BERTH_API_URL nor `berth login --url` said otherwise (`npm run up`). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** What a command needs from the world; main.ts wires the real ones, unit specs recording ones. */
export interface CliDeps {
  readonly out: Output;
  readonly input: Input;
  readonly env: CliEnv;
  readonly store: ConfigStore;
  /** A client for `url` authenticating with `token` (a tenant key or the operator token). */
  readonly connect: (url: string, token: string) => Api;
  readonly now: () => Date;
  /** Resolves after `ms`; rejects with an AbortError on Ctrl-C (as the clients `connect` makes do). */
  readonly sleep: (ms: number) => Promise<void>;
  readonly version: string;
}

/**
 * One invocation's view of berth: settings resolved from flags, environment and config file (in
 * that order of precedence), clients built on demand, and the exit code a command chose.
 */
export class CliContext {
  constructor(readonly deps: CliDeps) {}

  get out(): Output {
    return this.deps.out;
  }

  /** The API URL in force: BERTH_API_URL, else the one `berth login` stored, else the default. */
  apiUrl(): string {
    return this.deps.env.apiUrl ?? this.deps.store.read().apiUrl ?? DEFAULT_API_URL;
  }

  /** The tenant API key in force: BERTH_API_KEY, else the stored one. */
  apiKey(): string | undefined {
    return this.deps.env.apiKey ?? this.deps.store.read().apiKey;
  }

  /** A client with the tenant's key; throws auth/not_logged_in when there is none. */
  tenant(): Api {
    const key = this.apiKey();
    if (!key) {
      throw new CliError('auth/not_logged_in', 'not logged in: run `berth login` (or set BERTH_API_KEY)');
    }
    return this.deps.connect(this.apiUrl(), key);
  }

  /** A client with the operator token: the --operator-token flag, else BERTH_OPERATOR_TOKEN, else stored. */
  operator(flagToken: string | undefined): Api {
    const token = flagToken ?? this.deps.env.operatorToken ?? this.deps.store.read().operatorToken;
    if (!token) {
      throw new CliError(
        'auth/no_operator_token',
        'admin commands need the operator token: --operator-token, BERTH_OPERATOR_TOKEN or `berth login --operator`',
      );
    }
    return this.deps.connect(this.apiUrl(), token);
  }
}
