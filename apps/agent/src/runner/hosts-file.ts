import type { AgentNetwork } from '@berth/contracts';

/** /etc/hosts for a container: localhost, then every container of its networks by name. */
export function hostsFileFor(networkIds: readonly string[], networks: readonly AgentNetwork[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const seen = new Set<string>();
  for (const n of networks) {
    if (!networkIds.includes(n.id)) continue;
    for (const m of [...n.members].sort((a, b) => a.name.localeCompare(b.name))) {
      const line = `${m.ip}\t${m.name}`;
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    }
  }
  return `${lines.join('\n')}\n`;
}
