// Security groups' rules: what a tenant may write, and what a host enforces on each port.
//
// A rule allows traffic in one direction for a protocol (and, for tcp and udp, a port range) from or
// to either a CIDR block or the members of a group (every address of every live container the group is
// attached to). Groups only allow: anything no rule allows is dropped, and replies to allowed traffic
// are allowed (the host's firewall is stateful).
//
// A container with no group gets the default: ingress from its own networks' blocks, any protocol,
// and all egress. A container with groups gets the union of their rules and nothing else.
import { DomainError } from './errors';
import { formatCidr, parseCidr, tryParseCidr, type Cidr } from './ipv4';

export const RULE_DIRECTIONS = ['ingress', 'egress'] as const;
export type RuleDirection = (typeof RULE_DIRECTIONS)[number];

export const RULE_PROTOCOLS = ['tcp', 'udp', 'icmp', 'all'] as const;
export type RuleProtocol = (typeof RULE_PROTOCOLS)[number];

export const PORT_MIN = 1;
export const PORT_MAX = 65535;

/** What a request says about a rule, before validation (JSON, so nothing is trusted). */
export interface SecurityRuleInput {
  readonly direction?: unknown;
  readonly protocol?: unknown;
  readonly portFrom?: unknown;
  readonly portTo?: unknown;
  readonly cidr?: unknown;
  readonly remoteGroup?: unknown;
}

/** A valid rule. Ports are null for icmp and all, and for tcp/udp meaning every port. */
export interface SecurityRuleSpec {
  readonly direction: RuleDirection;
  readonly protocol: RuleProtocol;
  readonly portFrom: number | null;
  readonly portTo: number | null;
  /** Canonical CIDR (a bare address becomes its /32); exactly one of cidr and remoteGroup is set. */
  readonly cidr: string | null;
  /** The group's id or name as the tenant wrote it; the caller resolves it within the tenant. */
  readonly remoteGroup: string | null;
}

function invalid(message: string, field: string): DomainError {
  return new DomainError('request/invalid', message, { field });
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= PORT_MIN && v <= PORT_MAX;
}

const absent = (v: unknown): boolean => v === undefined || v === null;

/**
 * Checks a rule and puts it in its one canonical form. Throws DomainError('request/invalid') naming
 * the field when: direction or protocol is unknown; ports are given for icmp or all; a port is not an
 * integer from 1 to 65535, or portTo is below portFrom, or portTo comes without portFrom; not exactly
 * one of cidr and remoteGroup is given; cidr is not an IPv4 block (or address) without host bits.
 * For tcp/udp, no ports means every port and portFrom alone means that one port.
 */
export function validateSecurityRule(input: SecurityRuleInput): SecurityRuleSpec {
  const { direction, protocol } = input;
  if (typeof direction !== 'string' || !(RULE_DIRECTIONS as readonly string[]).includes(direction)) {
    throw invalid(`direction must be one of ${RULE_DIRECTIONS.join(', ')}`, 'direction');
  }
  if (typeof protocol !== 'string' || !(RULE_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw invalid(`protocol must be one of ${RULE_PROTOCOLS.join(', ')}`, 'protocol');
  }
  let portFrom: number | null = null;
  let portTo: number | null = null;
  if (protocol === 'tcp' || protocol === 'udp') {
    if (!absent(input.portFrom) && !isPort(input.portFrom)) {
      throw invalid(`portFrom must be an integer from ${PORT_MIN} to ${PORT_MAX}`, 'portFrom');
    }
    if (!absent(input.portTo) && !isPort(input.portTo)) {
      throw invalid(`portTo must be an integer from ${PORT_MIN} to ${PORT_MAX}`, 'portTo');
    }
    if (absent(input.portFrom) && !absent(input.portTo)) {
      throw invalid('portTo needs portFrom (give portFrom alone for one port)', 'portFrom');
    }
    portFrom = (input.portFrom as number | null | undefined) ?? null;
    portTo = (input.portTo as number | null | undefined) ?? portFrom;
    if (portFrom !== null && portTo !== null && portTo < portFrom) {
      throw invalid(`portTo (${portTo}) must not be below portFrom (${portFrom})`, 'portTo');
    }
  } else if (!absent(input.portFrom) || !absent(input.portTo)) {
    throw invalid(`ports apply only to tcp and udp, not to ${protocol}`, 'portFrom');
  }
  const hasCidr = !absent(input.cidr);
  const hasGroup = !absent(input.remoteGroup);
  if (hasCidr === hasGroup) {
    throw invalid(
      'give exactly one of cidr (addresses) and remoteGroup (a security group whose members are allowed)',
      hasCidr ? 'remoteGroup' : 'cidr',
    );
  }
  let cidr: string | null = null;
  if (hasCidr) {
    if (typeof input.cidr !== 'string') throw invalid('cidr must be a string such as 10.0.0.0/24', 'cidr');
    cidr = formatCidr(parseCidr(input.cidr, 'cidr', { hostAsSlash32: true }));
  }
  let remoteGroup: string | null = null;
  if (hasGroup) {
    if (typeof input.remoteGroup !== 'string' || input.remoteGroup.length === 0) {
      throw invalid('remoteGroup must be a security group id or name', 'remoteGroup');
    }
    remoteGroup = input.remoteGroup;
  }
  return {
    direction: direction as RuleDirection,
    protocol: protocol as RuleProtocol,
    portFrom,
    portTo,
    cidr,
    remoteGroup,
  };
}

// ---- effective rules ----

/** A stored rule of a group (remote groups by id). */
export interface GroupRule {
  readonly direction: RuleDirection;
  readonly protocol: RuleProtocol;
  readonly portFrom: number | null;
  readonly portTo: number | null;
  readonly cidr: string | null;
  readonly remoteGroupId: string | null;
}

/** What a host enforces: a protocol and ports, allowed from (ingress) or to (egress) any of `cidrs`. */
export interface FirewallRule {
  readonly protocol: RuleProtocol;
  readonly portFrom: number | null;
  readonly portTo: number | null;
  readonly cidrs: string[];
}

export interface EffectiveRules {
  readonly ingress: FirewallRule[];
  readonly egress: FirewallRule[];
}

export const ANYWHERE = '0.0.0.0/0';

export interface EffectiveRulesInput {
  /** Blocks of the networks the container is on (used only when it has no group). */
  readonly networkCidrs: readonly string[];
  /** The rules of every group attached to the container; empty when it has none. */
  readonly groups: ReadonlyArray<{ readonly rules: readonly GroupRule[] }>;
  /** The addresses of each remote group's members (all their NICs); a missing group has none. */
  readonly groupMemberIps: ReadonlyMap<string, readonly string[]>;
}

/**
 * The rules a container's ports get (see the top of this file). Remote groups become the /32s of
 * their members; a rule left with no address allows nothing and is dropped. Rules with the same
 * protocol and ports are merged (allowing from any of their blocks is the same as allowing from each),
 * addresses are deduplicated, and everything is sorted, so that equal policies give equal output and a
 * host can compare what it has with what it should have.
 */
export function effectiveRules(input: EffectiveRulesInput): EffectiveRules {
  if (input.groups.length === 0) {
    return {
      ingress: normalise([{ protocol: 'all', portFrom: null, portTo: null, cidrs: [...input.networkCidrs] }]),
      egress: [{ protocol: 'all', portFrom: null, portTo: null, cidrs: [ANYWHERE] }],
    };
  }
  const byDirection: Record<RuleDirection, FirewallRule[]> = { ingress: [], egress: [] };
  for (const g of input.groups) {
    for (const r of g.rules) {
      const cidrs =
        r.cidr !== null
          ? [r.cidr]
          : r.remoteGroupId !== null
            ? (input.groupMemberIps.get(r.remoteGroupId) ?? []).map((ip) => `${ip}/32`)
            : [];
      byDirection[r.direction].push({ protocol: r.protocol, portFrom: r.portFrom, portTo: r.portTo, cidrs });
    }
  }
  return { ingress: normalise(byDirection.ingress), egress: normalise(byDirection.egress) };
}

function cidrKey(text: string): [number, number] {
  const c: Cidr | null = tryParseCidr(text, { hostAsSlash32: true });
  return c ? [c.network, c.prefix] : [Number.MAX_SAFE_INTEGER, 0];
}

function compareCidrs(a: string, b: string): number {
  const [an, ap] = cidrKey(a);
  const [bn, bp] = cidrKey(b);
  return an - bn || ap - bp || a.localeCompare(b);
}

const PROTOCOL_ORDER: Record<RuleProtocol, number> = { all: 0, tcp: 1, udp: 2, icmp: 3 };

function normalise(rules: readonly FirewallRule[]): FirewallRule[] {
  const merged = new Map<string, { rule: FirewallRule; cidrs: Set<string> }>();
  for (const r of rules) {
    if (r.cidrs.length === 0) continue;
    const key = `${r.protocol}|${r.portFrom ?? ''}|${r.portTo ?? ''}`;
    const entry = merged.get(key) ?? { rule: r, cidrs: new Set<string>() };
    for (const c of r.cidrs) entry.cidrs.add(canonicalCidr(c));
    merged.set(key, entry);
  }
  return [...merged.values()]
    .map(({ rule, cidrs }) => ({
      protocol: rule.protocol,
      portFrom: rule.portFrom,
      portTo: rule.portTo,
      cidrs: [...cidrs].sort(compareCidrs),
    }))
    .sort(
      (a, b) =>
        PROTOCOL_ORDER[a.protocol] - PROTOCOL_ORDER[b.protocol] ||
        (a.portFrom ?? 0) - (b.portFrom ?? 0) ||
        (a.portTo ?? 0) - (b.portTo ?? 0),
    );
}

/** `10.0.0.5` and `10.0.0.5/32` are one address; keep one spelling. */
function canonicalCidr(text: string): string {
  const c = tryParseCidr(text, { hostAsSlash32: true });
  return c ? formatCidr(c) : text;
}

/** For messages: `tcp 80-443 from 10.0.0.0/24`. */
export function describeRule(r: GroupRule | SecurityRuleSpec): string {
  const ports =
    r.portFrom === null ? '' : r.portTo === r.portFrom ? ` ${r.portFrom}` : ` ${r.portFrom}-${r.portTo}`;
  const peer = r.cidr ?? `group ${'remoteGroupId' in r ? r.remoteGroupId : r.remoteGroup}`;
  return `${r.direction} ${r.protocol}${ports} ${r.direction === 'ingress' ? 'from' : 'to'} ${peer}`;
}
