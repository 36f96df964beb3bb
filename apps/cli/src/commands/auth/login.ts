import type { Command } from 'commander';
import type { ApiKeyView, Page, RegistryCredentialView } from '@berth/contracts';
import { UsageError } from '../../api/errors';
import { DEFAULT_API_URL, type CliContext } from '../../context';
import { withExamples } from '../shared/options';

interface LoginOptions {
  readonly url?: string;
  readonly key?: string;
  readonly keyStdin?: boolean;
  readonly operator?: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly passwordStdin?: boolean;
}

/** `https://reg.example.com/v2/` → `reg.example.com`: people paste URLs where a host is meant. */
export function registryHost(input: string): string {
  return input
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

function normalizeUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`--url "${input}" is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be http:// or https://, not ${url.protocol}`);
  }
  return input.trim().replace(/\/+$/, '');
}

/** A secret from the flag, from stdin (`--*-stdin`), or from a hidden prompt on a terminal. */
async function secret(
  ctx: CliContext,
  flag: string | undefined,
  fromStdin: boolean | undefined,
  question: string,
  stdinFlag: string,
): Promise<string> {
  let value = flag;
  if (value === undefined && fromStdin) value = (await ctx.deps.input.readAll()).replace(/\r?\n$/, '');
  if (value === undefined) {
    if (!ctx.deps.input.isTTY) {
      throw new UsageError(`no terminal to ask on: pipe it in with ${stdinFlag}`);
    }
    value = await ctx.deps.input.prompt(question, true);
  }
  if (value.trim() === '') throw new UsageError(`${question.replace(/: $/, '')} is empty`);
  return value.trim();
}

async function loginToBerth(ctx: CliContext, opts: LoginOptions): Promise<void> {
  const stored = ctx.deps.store.read();
  const url = normalizeUrl(opts.url ?? ctx.deps.env.apiUrl ?? stored.apiUrl ?? DEFAULT_API_URL);
  const what = opts.operator ? 'Operator token' : 'API key';
  const token = await secret(ctx, opts.key, opts.keyStdin, `${what}: `, '--key-stdin');
  const api = ctx.deps.connect(url, token);
  // Check before storing: a typo'd key or URL fails here, with the API's own error.
  if (opts.operator) {
    await api.get('/v1/admin/hosts', { limit: 1 });
    ctx.deps.store.write({ ...stored, apiUrl: url, operatorToken: token });
    ctx.out.out(`Logged in to ${url} as the operator.\n`);
  } else {
    const keys = await api.get<Page<ApiKeyView>>('/v1/keys', { limit: 200 });
    const mine = keys.data.find((k) => token.startsWith(`${k.prefix}_`));
    ctx.deps.store.write({ ...stored, apiUrl: url, apiKey: token });
    ctx.out.out(
      `Logged in to ${url}${mine ? ` with key ${mine.prefix} (${mine.id}, "${mine.name}")` : ''}.\n`,
    );
    if (ctx.deps.env.apiKey)
      ctx.out.err('Note: BERTH_API_KEY is set in your environment and wins over the stored key.\n');
  }
  ctx.out.err(`Saved in ${ctx.deps.store.file} (mode 600).\n`);
  if (ctx.deps.env.apiUrl && ctx.deps.env.apiUrl !== url) {
    ctx.out.err(`Note: BERTH_API_URL=${ctx.deps.env.apiUrl} is set and wins over the stored URL.\n`);
  }
}

async function loginToRegistry(ctx: CliContext, host: string, opts: LoginOptions): Promise<void> {
  const registry = registryHost(host);
  let username = opts.username;
  if (username === undefined) {
    if (!ctx.deps.input.isTTY) throw new UsageError('registry logins need -u USER');
    username = (await ctx.deps.input.prompt('Username: ', false)).trim();
  }
  if (opts.password !== undefined) {
    ctx.out.err('Warning: --password shows in your shell history and `ps`; prefer --password-stdin.\n');
  }
  const password = await secret(ctx, opts.password, opts.passwordStdin, 'Password: ', '--password-stdin');
  const view = await ctx
    .tenant()
    .post<RegistryCredentialView>('/v1/registry-credentials', { registry, username, password });
  ctx.out.out(
    `Stored the login for ${view.registry} (user ${view.username}): berth pulls your images with it.\n`,
  );
}

export function registerLogin(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('login')
    .summary('log in to berth, or store a registry login')
    .description(
      'Two logins, one verb, as with `docker login`.\n\n' +
        '`berth login` logs this CLI in to berth: it checks the API key against the API, then stores ' +
        'the URL and key in ~/.config/berth/config.json (mode 600). The key comes from --key-stdin, ' +
        '--key, or a hidden prompt. BERTH_API_URL and BERTH_API_KEY, when set, win over the file.\n\n' +
        '`berth login HOST -u USER` stores your login for the image registry HOST in berth (encrypted), ' +
        'so that berth can pull your private images from it. The password comes from --password-stdin, ' +
        '-p, or a hidden prompt.',
    )
    .argument('[registry]', 'an image registry host[:port]; leave out to log in to berth itself')
    .option('--url <url>', `berth's API URL (default: BERTH_API_URL, the stored one, or ${DEFAULT_API_URL})`)
    .option('--key <key>', 'the API key (visible in shell history: prefer --key-stdin or the prompt)')
    .option('--key-stdin', 'read the API key from stdin')
    .option('--operator', 'the key is the operator token (for `berth admin`), not a tenant API key')
    .option('-u, --username <user>', 'registry login: user name')
    .option('-p, --password <password>', 'registry login: password (prefer --password-stdin)')
    .option('--password-stdin', 'registry login: read the password from stdin')
    .action(async (registry: string | undefined, opts: LoginOptions) => {
      if (registry === undefined) {
        if (opts.username !== undefined || opts.password !== undefined || opts.passwordStdin) {
          throw new UsageError(
            '-u, -p and --password-stdin are for registry logins: berth login HOST -u USER',
          );
        }
        return loginToBerth(ctx, opts);
      }
      if (opts.url !== undefined || opts.key !== undefined || opts.keyStdin || opts.operator) {
        throw new UsageError(
          '--url, --key, --key-stdin and --operator are for `berth login` without a registry',
        );
      }
      return loginToRegistry(ctx, registry, opts);
    });
  return withExamples(cmd, [
    'berth login --url http://127.0.0.1:8080            # asks for the key',
    'echo "$BERTH_KEY" | berth login --url https://berth.example.com --key-stdin',
    'echo "$TOKEN" | berth login --operator --key-stdin',
    'echo "$REG_PASSWORD" | berth login registry.example.com:5000 -u alice --password-stdin',
  ]);
}
