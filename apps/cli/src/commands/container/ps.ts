import type { Command } from 'commander';
import type { ContainerView, FloatingIpView } from '@berth/contracts';
import { listAll } from '../../api/pages';
import { UsageError } from '../../api/errors';
import type { Query } from '../../api/api';
import type { CliContext } from '../../context';
import { ago, containerIps, containerStatus, shellJoin, truncate } from '../../output/format';
import { printJson, printLines } from '../../output/output';
import { renderTable } from '../../output/table';
import { parseKeyValue } from '../../util/env-vars';
import { collect, listOptions, withExamples, type ListOptions } from '../shared/options';

interface PsOptions extends ListOptions {
  readonly all?: boolean;
  readonly filter?: string[];
  readonly trunc: boolean;
  readonly wide?: boolean;
}

/** What `ps` shows without -a: containers that are (or are about to be) running. */
export const LIVE_STATES = ['pending', 'creating', 'starting', 'running', 'stopping', 'restarting'];

/** The list query for `ps` flags: --filter name=, label=k=v, status= (or state=), and -a. */
export function psQuery(opts: Pick<PsOptions, 'all' | 'filter'>): Query {
  const states: string[] = [];
  const labels: string[] = [];
  let name: string | undefined;
  for (const f of opts.filter ?? []) {
    const [key, value] = parseKeyValue(f, 'filter');
    switch (key) {
      case 'name':
        name = value;
        break;
      case 'label':
        labels.push(value);
        break;
      case 'status':
      case 'state':
        states.push(...value.split(',').filter(Boolean));
        break;
      default:
        throw new UsageError(`unknown filter "${key}": use name=NAME, label=KEY=VALUE or status=STATE`);
    }
  }
  const state = states.length > 0 ? states : opts.all ? undefined : LIVE_STATES;
  return {
    ...(state ? { state: state.join(',') } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(labels.length > 0 ? { label: labels } : {}),
  };
}

export function registerPs(parent: Command, ctx: CliContext): Command {
  const cmd = listOptions(
    parent
      .command('ps')
      .summary('list containers')
      .description('List your containers: running ones, or all of them with -a (deleted ones are gone).')
      .option('-a, --all', 'show every container, stopped and exited ones too')
      .option(
        '-f, --filter <key=value>',
        'name=NAME, label=KEY=VALUE or status=STATE (e.g. status=exited); repeatable',
        collect,
        [],
      )
      .option('--no-trunc', 'do not shorten commands')
      .option('-w, --wide', "also show each container's addresses (NETWORKS) and floating IP"),
    'containers',
  ).action(async (opts: PsOptions) => {
    const api = ctx.tenant();
    const containers = await listAll<ContainerView>(api, '/v1/containers', psQuery(opts));
    if (opts.json) return printJson(ctx.out, containers);
    if (opts.quiet) return printLines(ctx.out, containers, (c) => c.id);
    const now = ctx.deps.now();
    const headers = ['CONTAINER ID', 'NAME', 'IMAGE', 'COMMAND', 'SIZE', 'CREATED', 'STATUS'];
    const rows = containers.map((c) => [
      c.id,
      c.name,
      truncate(c.image, 40, !opts.trunc),
      c.command ? `"${truncate(shellJoin(c.command), 24, !opts.trunc)}"` : '',
      c.size,
      ago(c.createdAt, now),
      containerStatus(c, now),
    ]);
    if (opts.wide) {
      // Floating IPs point at containers, not the other way round: one more list, wide only.
      const fips = new Map<string, string[]>();
      if (containers.length > 0) {
        for (const f of await listAll<FloatingIpView>(api, '/v1/fips')) {
          if (f.containerId !== null)
            fips.set(f.containerId, [...(fips.get(f.containerId) ?? []), f.address]);
        }
      }
      headers.push('NETWORKS', 'FLOATING IP');
      containers.forEach((c, i) => rows[i]!.push(containerIps(c), fips.get(c.id)?.join(',') ?? '-'));
    }
    ctx.out.out(renderTable(headers, rows));
  });
  return withExamples(cmd, [
    'berth ps',
    'berth ps -a --filter status=exited',
    'berth ps -w                                   # with NETWORKS and FLOATING IP',
    'berth ps -q --filter label=app=web | xargs berth stop',
    "berth ps -a --json | jq '.[].name'",
  ]);
}
