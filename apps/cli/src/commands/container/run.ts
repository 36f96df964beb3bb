import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { AcceptedView, ContainerView } from '@berth/contracts';
import { DEFAULT_SIZE, DEFAULT_VOLUME_GIB, DomainError, parseVolumeMount, SIZE_NAMES } from '@berth/domain';
import { seg } from '../../api/api';
import { CliError, ExitCode, InterruptedError, UsageError, withInterruptHint } from '../../api/errors';
import { startMessage } from '../../api/operations';
import type { CliContext } from '../../context';
import { printJson } from '../../output/output';
import { parseEnvEntry, parseEnvFile, parseKeyValue } from '../../util/env-vars';
import { attachUntilEnded } from '../shared/attach';
import { followOperation } from '../shared/follow';
import { collect, withExamples } from '../shared/options';

interface RunOptions {
  readonly detach?: boolean;
  readonly name?: string;
  readonly env?: string[];
  readonly envFile?: string[];
  readonly label?: string[];
  readonly net?: string[];
  readonly sg?: string[];
  readonly volume?: string[];
  readonly size?: string;
  readonly restart?: string;
  readonly rm?: boolean;
  readonly wait: boolean;
  readonly json?: boolean;
}

/** Exit code for a failure of berth rather than of the container, as `docker run` uses 125. */
export const RUN_FAILED = 125;

/** The POST /v1/containers body for these flags. */
export function runRequest(
  ctx: CliContext,
  image: string,
  command: string[],
  opts: RunOptions,
): Record<string, unknown> {
  const lookup = (name: string) => ctx.deps.env.lookup(name);
  const env: Record<string, string> = {};
  for (const file of opts.envFile ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --env-file ${file}: ${(err as Error).message}`);
    }
    Object.assign(env, parseEnvFile(text, file, lookup));
  }
  for (const entry of opts.env ?? []) {
    const kv = parseEnvEntry(entry, lookup, '-e');
    if (kv) env[kv[0]] = kv[1];
  }
  const labels = Object.fromEntries((opts.label ?? []).map((l) => parseKeyValue(l, 'label')));
  const volumes = opts.volume ?? [];
  for (const spec of volumes) checkVolumeMount(spec);
  return {
    image,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(command.length > 0 ? { command } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(opts.size !== undefined ? { size: opts.size } : {}),
    ...(opts.restart !== undefined ? { restartPolicy: opts.restart } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(opts.net && opts.net.length > 0 ? { networks: opts.net } : {}),
    ...(opts.sg && opts.sg.length > 0 ? { securityGroups: opts.sg } : {}),
    ...(volumes.length > 0 ? { volumes } : {}),
  };
}

/** `-v name:/path`, checked as berth checks it (a volume name, an absolute path of the guest). */
function checkVolumeMount(spec: string): void {
  try {
    parseVolumeMount(spec);
  } catch (err) {
    if (err instanceof DomainError) throw new UsageError(`-v: ${err.message}`);
    throw err;
  }
}

async function run(ctx: CliContext, image: string, command: string[], opts: RunOptions): Promise<void> {
  if (opts.rm && opts.detach)
    throw new UsageError('--rm cannot be used with -d (nothing would wait to remove it)');
  if (opts.json && !opts.detach)
    throw new UsageError('--json needs -d (attached, run prints the container output)');
  if (!opts.wait && !opts.detach) throw new UsageError('--no-wait needs -d');
  const body = runRequest(ctx, image, command, opts);
  const api = ctx.tenant();
  const accepted = await api.post<AcceptedView<ContainerView>>('/v1/containers', body);
  const c = accepted.data;
  if (opts.detach && !opts.wait) {
    if (opts.json) printJson(ctx.out, c);
    else ctx.out.out(`${c.id}\n`);
    return;
  }
  const started = await followOperation(
    ctx,
    api,
    accepted.operation,
    `Starting ${c.name}`,
    `${c.name} is still starting: \`berth operation wait ${accepted.operation.id}\` waits for it, ` +
      `\`berth logs -f ${c.name}\` follows its output.`,
  );
  // For a person watching: how it started (from a VM template, or cold, and why).
  const how = startMessage(started);
  if (how && ctx.out.interactive) ctx.out.err(`${c.name}: ${how}\n`);
  if (opts.detach) {
    if (opts.json) printJson(ctx.out, await api.get<ContainerView>(`/v1/containers/${seg(c.id)}`));
    else ctx.out.out(`${c.id}\n`);
    return;
  }
  const ended = await withInterruptHint(
    `${c.name} keeps running: \`berth logs -f ${c.name}\` follows it, \`berth stop ${c.name}\` stops it.`,
    () => attachUntilEnded(ctx, api, c.id),
  );
  if (opts.rm) {
    const del = await api.delete<AcceptedView<ContainerView>>(`/v1/containers/${seg(c.id)}`, {
      force: 'true',
    });
    await followOperation(ctx, api, del.operation, `Removing ${c.name}`);
  }
  if (ended.exitCode !== null) throw new ExitCode(ended.exitCode);
  throw new CliError(
    `container/${ended.state}`,
    `${c.name} ${ended.state}${ended.stateReason ? `: ${ended.stateReason}` : ''}`,
    RUN_FAILED,
  );
}

export function registerRun(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('run')
    .summary('create and start a container')
    .description(
      'Create a container from an image and start it as a microVM.\n\n' +
        "Without -d, run streams the container's output (stdout to stdout, stderr to stderr) and exits " +
        "with the container's own exit code, as `docker run` does; if berth itself fails, it exits 125. " +
        'Ctrl-C stops watching, not the container. With -d, run prints the new id once it is running.',
    )
    .argument('<image>', 'image reference, e.g. 127.0.0.1:5000/team/app:1.0')
    .argument('[command...]', "the command and its arguments (default: the image's cmd)")
    .option('-d, --detach', 'print the id once it runs; do not stream its output')
    .option('--name <name>', 'a name unique among your containers (default: generated)')
    .option(
      '-e, --env <KEY=VALUE>',
      'set an environment variable (KEY alone passes yours through); repeatable',
      collect,
    )
    .option('--env-file <file>', 'read KEY=VALUE lines from a file; repeatable', collect)
    .option('-l, --label <key=value>', 'set a label; repeatable', collect)
    .option(
      '--net <network>',
      'join this network (id or name; eth0 first); repeatable, 1 to 4 (default: your `default` network)',
      collect,
    )
    .option('--sg <group>', 'attach this security group (id or name); repeatable', collect)
    .option(
      '-v, --volume <name:/path>',
      `mount this volume (id or name) at /path; a name you have no volume by makes a ${DEFAULT_VOLUME_GIB} GB one; repeatable`,
      collect,
    )
    .addOption(new Option('--size <size>', `vCPU and memory (default: ${DEFAULT_SIZE})`).choices(SIZE_NAMES))
    .option('--restart <policy>', 'no, always, on-failure or on-failure:N (default: no)')
    .option('--rm', 'delete the container once it has exited (not with -d)')
    .option('--no-wait', 'with -d: print the id at once instead of waiting until it runs')
    .option('--json', 'with -d: print the container as JSON')
    // Everything after the image belongs to the container's command, flags included.
    .passThroughOptions()
    .action(async (image: string, command: string[], opts: RunOptions) => {
      try {
        await run(ctx, image, command, opts);
      } catch (err) {
        if (err instanceof CliError && !(err instanceof InterruptedError) && err.exitCode === 1) {
          err.exitCode = RUN_FAILED;
        }
        throw err;
      }
    });
  return withExamples(cmd, [
    'berth run 127.0.0.1:5000/me/busybox echo hello',
    'berth run -d --name web --size s2 -e PORT=8080 --restart always 127.0.0.1:5000/me/web',
    "berth run --rm --env-file .env 127.0.0.1:5000/me/job sh -c 'exit 3'; echo $?   # 3",
    'berth run -d --name api --net backend --net frontend --sg web 127.0.0.1:5000/me/api',
    'berth run -d --name db -v pgdata:/var/lib/postgresql/data 127.0.0.1:5000/me/postgres',
  ]);
}
