import { InvalidArgumentError, Option, type Command } from 'commander';
import type { SecurityGroupView, SecurityRuleView } from '@berth/contracts';
import {
  formatCidr,
  PORT_MAX,
  PORT_MIN,
  RULE_PROTOCOLS,
  tryParseCidr,
  type RuleProtocol,
} from '@berth/domain';
import { seg, type Api } from '../../../api/api';
import { CliError, UsageError } from '../../../api/errors';
import type { CliContext } from '../../../context';
import { printJson } from '../../../output/output';
import { withExamples } from '../../shared/options';

interface RuleAddOptions {
  readonly ingress?: boolean;
  readonly egress?: boolean;
  readonly proto: RuleProtocol;
  readonly port?: PortRange;
  readonly cidr?: string;
  readonly fromGroup?: string;
  readonly toGroup?: string;
  readonly json?: boolean;
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** `--port 80` or `--port 8000-8080`. */
export function parsePortRange(value: string): PortRange {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  const from = m ? Number(m[1]) : NaN;
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  const isPort = (n: number) => Number.isInteger(n) && n >= PORT_MIN && n <= PORT_MAX;
  if (!isPort(from) || !isPort(to)) {
    throw new InvalidArgumentError(`a port is ${PORT_MIN} to ${PORT_MAX}, a range FROM-TO (e.g. 8000-8080).`);
  }
  if (to < from) throw new InvalidArgumentError(`the range ends (${to}) below where it starts (${from}).`);
  return { from, to };
}

/** The POST /v1/security-groups/:ref/rules body for these flags; refuses flags that contradict. */
export function ruleRequest(opts: RuleAddOptions): Record<string, unknown> {
  if (opts.ingress && opts.egress) throw new UsageError('give --ingress or --egress, not both');
  const direction = opts.egress ? 'egress' : 'ingress';
  if (opts.fromGroup !== undefined && direction === 'egress') {
    throw new UsageError('--from-group is for ingress rules: use --to-group with --egress');
  }
  if (opts.toGroup !== undefined && direction === 'ingress') {
    throw new UsageError('--to-group is for egress rules: use --from-group with --ingress');
  }
  const remoteGroup = opts.fromGroup ?? opts.toGroup;
  if ((opts.cidr === undefined) === (remoteGroup === undefined)) {
    throw new UsageError(
      `give exactly one peer: --cidr ADDRESSES or --${direction === 'ingress' ? 'from' : 'to'}-group GROUP`,
    );
  }
  if (opts.port && opts.proto !== 'tcp' && opts.proto !== 'udp') {
    throw new UsageError(`--port applies to tcp and udp only, not to ${opts.proto}`);
  }
  return {
    direction,
    protocol: opts.proto,
    ...(opts.port ? { portFrom: opts.port.from, portTo: opts.port.to } : {}),
    ...(opts.cidr !== undefined ? { cidr: opts.cidr } : { remoteGroup }),
  };
}

/**
 * The rule just added, in the group the API answered with: the one of the same direction,
 * protocol, ports and peer (adding a rule that exists already answers the existing one).
 */
async function findRule(
  api: Api,
  group: SecurityGroupView,
  body: Record<string, unknown>,
): Promise<SecurityRuleView | undefined> {
  const portFrom = (body.portFrom as number | undefined) ?? null;
  const candidates = group.rules.filter(
    (r) =>
      r.direction === body.direction &&
      r.protocol === body.protocol &&
      r.portFrom === portFrom &&
      r.portTo === ((body.portTo as number | undefined) ?? portFrom),
  );
  if (typeof body.cidr === 'string') {
    const parsed = tryParseCidr(body.cidr, { hostAsSlash32: true });
    const cidr = parsed ? formatCidr(parsed) : body.cidr;
    return candidates.find((r) => r.cidr === cidr);
  }
  const ref = body.remoteGroup as string;
  const byGroup = candidates.filter((r) => r.remoteGroupId !== null);
  const direct = byGroup.find((r) => r.remoteGroupId === ref);
  if (direct || byGroup.length <= 1) return direct ?? byGroup[0];
  // The peer was given by name: its id tells the rules apart.
  const remote = await api.get<SecurityGroupView>(`/v1/security-groups/${seg(ref)}`);
  return byGroup.find((r) => r.remoteGroupId === remote.id);
}

export function registerSgRuleAdd(parent: Command, ctx: CliContext): Command {
  const cmd = parent
    .command('add')
    .summary('add an allow rule to a security group')
    .description(
      'Add an allow rule to a security group: which traffic may reach (--ingress, the default) or ' +
        'leave (--egress) its containers, by protocol, ports, and peer: addresses (--cidr) or the ' +
        'members of another group (--from-group for ingress, --to-group for egress). Prints the rule ' +
        'id (`berth sg rule rm GROUP RULE` removes it). Adding a rule that exists changes nothing.',
    )
    .argument('<sg>', 'security group id or name')
    .option('--ingress', 'a rule for traffic to the containers (the default)')
    .option('--egress', 'a rule for traffic from the containers')
    .addOption(
      new Option('--proto <protocol>', 'the protocol the rule allows (required)')
        .choices(RULE_PROTOCOLS)
        .makeOptionMandatory(),
    )
    .option(
      '--port <port>',
      'tcp/udp: one port (80) or a range (8000-8080); default: every port',
      parsePortRange,
    )
    .option('--cidr <cidr>', 'the peers: an IPv4 block or address (0.0.0.0/0 is everyone)')
    .option('--from-group <sg>', "ingress: allow traffic from this security group's containers")
    .option('--to-group <sg>', "egress: allow traffic to this security group's containers")
    .option('--json', 'print the security group, all its rules, as JSON')
    .action(async (ref: string, opts: RuleAddOptions) => {
      const body = ruleRequest(opts);
      const api = ctx.tenant();
      const group = await api.post<SecurityGroupView>(`/v1/security-groups/${seg(ref)}/rules`, body);
      if (opts.json) return printJson(ctx.out, group);
      const rule = await findRule(api, group, body);
      if (!rule) {
        throw new CliError(
          'cli/rule_not_shown',
          `berth accepted the rule, but its answer does not show it: \`berth sg rule ls ${ref}\` lists the rules`,
        );
      }
      ctx.out.out(`${rule.id}\n`);
    });
  return withExamples(cmd, [
    'berth sg rule add web --ingress --proto tcp --port 80 --cidr 0.0.0.0/0',
    'berth sg rule add web --proto tcp --port 8000-8080 --cidr 10.0.0.0/8',
    'berth sg rule add db --ingress --proto tcp --port 5432 --from-group web',
    'berth sg rule add web --egress --proto udp --port 53 --cidr 10.240.0.1',
    'berth sg rule add web --proto icmp --cidr 0.0.0.0/0',
  ]);
}
