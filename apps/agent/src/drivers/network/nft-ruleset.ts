import { createHash } from 'node:crypto';
import type { AgentDataplane, AgentPort, AgentRule } from '@berth/contracts';
import { bridgeName, tapName } from './device-names';

export const NFT_TABLE = 'berth';
/** The taps whose verdicts are in the ruleset: the only ones the bridge table's guard lets through. */
export const READY_TAPS_SET = 'ready_taps';

function q(s: string): string {
  return `"${s}"`;
}

/** nft syntax for one rule's match, without the verdict; `peer` is saddr for ingress, daddr for egress. */
function ruleMatch(rule: AgentRule, peer: 'saddr' | 'daddr'): string[] {
  const cidrs = rule.cidrs.length === 1 ? rule.cidrs[0]! : `{ ${rule.cidrs.join(', ')} }`;
  const addr = rule.cidrs.includes('0.0.0.0/0') ? '' : `ip ${peer} ${cidrs} `;
  switch (rule.protocol) {
    case 'all':
      return [addr.trim()];
    case 'icmp':
      return [`${addr}meta l4proto icmp`];
    case 'tcp':
    case 'udp': {
      const ports =
        rule.portFrom === null
          ? ''
          : rule.portTo === null || rule.portTo === rule.portFrom
            ? ` ${rule.portFrom}`
            : ` ${rule.portFrom}-${rule.portTo}`;
      return [`${addr}meta l4proto ${rule.protocol}${ports ? ` th dport${ports}` : ''}`];
    }
  }
}

/** The body of a port's chain: its rules' matches, each returning (allowed), then drop. */
function portChainBody(rules: AgentRule[], peer: 'saddr' | 'daddr'): string[] {
  const lines = rules
    .filter((r) => r.cidrs.length > 0)
    .flatMap((r) => ruleMatch(r, peer))
    .map((m) => `    ${m ? `${m} ` : ''}return`);
  return [...lines, '    drop'];
}

/**
 * Port chains named by their content: ports with the same effective rules (most of a network's,
 * with default or shared groups) jump to one chain, so the ruleset grows with the distinct rule
 * sets, not with the ports, and stays cheap to apply and to list on every sync pass.
 */
class PortChains {
  private readonly bodies = new Map<string, string[]>();

  name(direction: 'in' | 'out', rules: AgentRule[]): string {
    const body = portChainBody(rules, direction === 'in' ? 'saddr' : 'daddr');
    const name = `${direction}_${createHash('sha256').update(body.join('\n')).digest('hex').slice(0, 16)}`;
    this.bodies.set(name, body);
    return name;
  }

  render(): string[] {
    return [...this.bodies].flatMap(([name, body]) => [`  chain ${name} {`, ...body, '  }']);
  }
}

/**
 * The host's whole firewall as one nft script, applied atomically (`nft -f`): declaring the tables,
 * deleting them and declaring them again replaces the previous ruleset in one transaction, so there is
 * never a moment without rules, and removed containers leave nothing behind.
 *
 * inet berth:
 *  - input: guests reach the host only with replies and pings to their gateway (not the agent, Redis,
 *    Postgres or the API).
 *  - forward: a network's bridge talks only to itself and the public side; then the sender's egress
 *    rules and the receiver's ingress rules (security groups), keyed by (bridge, address). Bridged
 *    guest-to-guest frames pass here too (br_netfilter, iif = oif = the bridge).
 *  - nat: floating IPs (DNAT in, SNAT out) and masquerade for the rest.
 * bridge berth: the tap guard (a berth tap passes no frame either way until the ruleset that has its
 * verdicts names it in `ready_taps`), then each tap may send only from its own MAC and IP (no
 * spoofing), IPv4 and ARP only.
 *
 * A host with no ports and no floating IPs keeps the bridge table's guard only: no inet table, so an
 * idle host's own forwarding is left alone.
 */
export function renderRuleset(dp: AgentDataplane, publicIface: string | null): string {
  const bridges = dp.networks.map((n) => bridgeName(n.vni));
  const vniOf = new Map(dp.networks.map((n) => [n.id, n.vni]));
  const ports = dp.ports.filter((p) => vniOf.has(p.networkId));
  const brOf = (p: AgentPort) => bridgeName(vniOf.get(p.networkId)!);
  const allowedOut = (b: string) => (publicIface ? `{ ${q(b)}, ${q(publicIface)} }` : q(b));
  const chains = new PortChains();

  const inet: string[] = [
    `table inet ${NFT_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    ...(bridges.length > 0
      ? [
          `    iifname { ${bridges.map(q).join(', ')} } ct state established,related accept`,
          `    iifname { ${bridges.map(q).join(', ')} } icmp type echo-request accept`,
          `    iifname { ${bridges.map(q).join(', ')} } drop`,
        ]
      : []),
    '  }',
    '  chain forward {',
    '    type filter hook forward priority 0; policy drop;',
    '    ct state established,related accept',
    '    ct state invalid drop',
    ...bridges.flatMap((b) => [
      `    iifname ${q(b)} oifname != ${allowedOut(b)} drop`,
      `    oifname ${q(b)} iifname != ${allowedOut(b)} drop`,
    ]),
    ...(ports.length > 0
      ? [
          `    iifname . ip saddr vmap { ${ports.map((p) => `${q(brOf(p))} . ${p.ip} : jump ${chains.name('out', p.egress)}`).join(', ')} }`,
          `    oifname . ip daddr vmap { ${ports.map((p) => `${q(brOf(p))} . ${p.ip} : jump ${chains.name('in', p.ingress)}`).join(', ')} }`,
          // Reaching here means the sender's egress and the receiver's ingress both allowed it.
          `    iifname { ${bridges.map(q).join(', ')} } accept`,
          `    oifname { ${bridges.map(q).join(', ')} } accept`,
        ]
      : []),
    '  }',
    ...chains.render(),
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...dp.floatingIps.map((f) => `    ip daddr ${f.address} dnat ip to ${f.privateIp}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...(publicIface
      ? [
          ...dp.floatingIps.map(
            (f) => `    ip saddr ${f.privateIp} oifname ${q(publicIface)} snat ip to ${f.address}`,
          ),
          ...dp.networks.map((n) => `    ip saddr ${n.cidr} oifname ${q(publicIface)} masquerade`),
        ]
      : []),
    '  }',
    '}',
  ];

  const idle = ports.length === 0 && dp.floatingIps.length === 0;
  // Declare, delete, declare: replaces the tables atomically whether or not they existed.
  return [
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table bridge ${NFT_TABLE} {}`,
    `delete table bridge ${NFT_TABLE}`,
    ...(idle ? [] : inet),
    ...bridgeTable(ports),
    '',
  ].join('\n');
}

/**
 * berth's bridge table. The guard drops every frame from or to a berth tap (`tp*`, see device-names)
 * that `ready_taps` does not name, so a tap that exists before the ruleset with its verdicts (a VM
 * starting, a tap made by hand) passes nothing; the tap's name enters the set in the same atomic
 * transaction as its rules. It runs before any other bridge hook of berth's (priority -300); a drop
 * is final in nftables, so no other table's accept can undo it. Every frame a tap sends passes
 * bridge prerouting, and every frame towards it (forwarded, flooded or from the host's own bridge
 * address) passes bridge postrouting, so the two hooks cover both directions.
 */
function bridgeTable(ports: readonly AgentPort[]): string[] {
  const tapOf = (p: AgentPort) => q(tapName(p.containerId, p.networkId));
  const set = (name: string, type: string, elements: string[]) => [
    `  set ${name} {`,
    `    type ${type}`,
    ...(elements.length > 0 ? [`    elements = { ${elements.join(', ')} }`] : []),
    '  }',
  ];
  return [
    `table bridge ${NFT_TABLE} {`,
    ...set(READY_TAPS_SET, 'ifname', ports.map(tapOf)),
    // Each ready tap's own MAC and address, looked up by (tap, source): a set lookup per frame, and
    // a ruleset that stays small to apply and to list however many taps there are.
    ...set(
      'tap_macs',
      'ifname . ether_addr',
      ports.map((p) => `${tapOf(p)} . ${p.mac}`),
    ),
    ...set(
      'tap_ips',
      'ifname . ipv4_addr',
      ports.map((p) => `${tapOf(p)} . ${p.ip}`),
    ),
    '  chain guard_in {',
    '    type filter hook prerouting priority -300; policy accept;',
    `    iifname "tp*" iifname != @${READY_TAPS_SET} drop`,
    '  }',
    '  chain guard_out {',
    '    type filter hook postrouting priority -300; policy accept;',
    `    oifname "tp*" oifname != @${READY_TAPS_SET} drop`,
    '  }',
    '  chain prerouting {',
    '    type filter hook prerouting priority 0; policy accept;',
    '    iifname "tp*" iifname . ether saddr != @tap_macs drop',
    '    iifname "tp*" ether type ip iifname . ip saddr != @tap_ips drop',
    '    iifname "tp*" ether type arp iifname . arp saddr ip != @tap_ips drop',
    '    iifname "tp*" ether type != { ip, arp } drop',
    '  }',
    '}',
  ];
}

/**
 * Installs the bridge table with its guard and no ready tap, only when berth has no bridge table yet
 * (`create` fails the whole transaction when it exists, and then nothing changes): at agent start,
 * before any tap, without cutting off the VMs of a previous agent run whose ruleset is still there.
 */
export function renderGuardInstall(): string {
  return [`create table bridge ${NFT_TABLE}`, ...bridgeTable([]), ''].join('\n');
}
