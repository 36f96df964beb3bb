import type { AgentDataplane, AgentPort, AgentRule } from '@berth/contracts';
import { bridgeName, tapName } from './device-names';

export const NFT_TABLE = 'berth';

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

function portChain(name: string, rules: AgentRule[], peer: 'saddr' | 'daddr'): string {
  const lines = rules
    .filter((r) => r.cidrs.length > 0)
    .flatMap((r) => ruleMatch(r, peer))
    .map((m) => `    ${m ? `${m} ` : ''}return`);
  return [`  chain ${name} {`, ...lines, '    drop', '  }'].join('\n');
}

function chainId(port: AgentPort): string {
  return tapName(port.containerId, port.networkId).slice(2);
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
 * bridge berth: each tap may send only from its own MAC and IP (no spoofing), IPv4 and ARP only.
 */
export function renderRuleset(dp: AgentDataplane, publicIface: string | null): string {
  const bridges = dp.networks.map((n) => bridgeName(n.vni));
  const vniOf = new Map(dp.networks.map((n) => [n.id, n.vni]));
  const ports = dp.ports.filter((p) => vniOf.has(p.networkId));
  const brOf = (p: AgentPort) => bridgeName(vniOf.get(p.networkId)!);
  const allowedOut = (b: string) => (publicIface ? `{ ${q(b)}, ${q(publicIface)} }` : q(b));

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
          `    iifname . ip saddr vmap { ${ports.map((p) => `${q(brOf(p))} . ${p.ip} : jump out_${chainId(p)}`).join(', ')} }`,
          `    oifname . ip daddr vmap { ${ports.map((p) => `${q(brOf(p))} . ${p.ip} : jump in_${chainId(p)}`).join(', ')} }`,
          // Reaching here means the sender's egress and the receiver's ingress both allowed it.
          `    iifname { ${bridges.map(q).join(', ')} } accept`,
          `    oifname { ${bridges.map(q).join(', ')} } accept`,
        ]
      : []),
    '  }',
    ...ports.flatMap((p) => [
      portChain(`out_${chainId(p)}`, p.egress, 'daddr'),
      portChain(`in_${chainId(p)}`, p.ingress, 'saddr'),
    ]),
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

  const bridge: string[] = [
    `table bridge ${NFT_TABLE} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority 0; policy accept;',
    ...ports.flatMap((p) => {
      const tap = q(tapName(p.containerId, p.networkId));
      return [
        `    iifname ${tap} ether saddr != ${p.mac} drop`,
        `    iifname ${tap} ether type ip ip saddr != ${p.ip} drop`,
        `    iifname ${tap} ether type arp arp saddr ip != ${p.ip} drop`,
        `    iifname ${tap} ether type != { ip, arp } drop`,
      ];
    }),
    '  }',
    '}',
  ];

  // Declare, delete, declare: replaces the tables atomically whether or not they existed.
  return [
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table bridge ${NFT_TABLE} {}`,
    `delete table bridge ${NFT_TABLE}`,
    ...inet,
    ...bridge,
    '',
  ].join('\n');
}

/** Removes berth's tables (a host with no containers left keeps no rules). */
export function renderTeardown(): string {
  return [
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table bridge ${NFT_TABLE} {}`,
    `delete table bridge ${NFT_TABLE}`,
    '',
  ].join('\n');
}
