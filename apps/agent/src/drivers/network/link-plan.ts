import type { AgentNetwork } from '@berth/contracts';
import { bridgeName, gatewayMac, vxlanName } from './device-names';
import type { LinkTable } from './link-state';

/** One line of an `ip -batch` or `bridge -batch` script, as its words. */
export type BatchLine = readonly string[];

export type NetworkShape = Pick<AgentNetwork, 'vni' | 'cidr' | 'gateway' | 'mtu'>;

export interface VxlanEnds {
  /** This host's underlay address: the VXLAN device's local end. */
  readonly localAddress: string;
  readonly underlayIface: string | null;
}

const VXLAN_PORT = 4789;
export const FLOOD_MAC = '00:00:00:00:00:00';

function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1]);
}

/**
 * The `ip` lines that make a network's bridge and VXLAN device what they should be, given the links
 * as the kernel listed them: nothing for what is already right, so a pass over a network in place
 * issues no command at all. Same outcome as running every line unconditionally.
 */
export function networkLines(links: LinkTable, n: NetworkShape, ends: VxlanEnds): BatchLine[] {
  const br = bridgeName(n.vni);
  const vx = vxlanName(n.vni);
  const mac = gatewayMac(n.vni);
  const gateway = `${n.gateway}/${prefixOf(n.cidr)}`;
  const bridge = links.get(br);
  const vxlan = links.get(vx);
  const lines: BatchLine[] = [];
  if (!bridge) lines.push(['link', 'add', br, 'type', 'bridge']);
  if (bridge?.address !== mac || bridge.mtu !== n.mtu)
    lines.push(['link', 'set', br, 'address', mac, 'mtu', String(n.mtu)]);
  if (!bridge?.inet.includes(gateway)) lines.push(['addr', 'replace', gateway, 'dev', br]);
  if (!bridge?.up) lines.push(['link', 'set', br, 'up']);
  if (!vxlan)
    lines.push([
      'link',
      'add',
      vx,
      'type',
      'vxlan',
      'id',
      String(n.vni),
      'local',
      ends.localAddress,
      'dstport',
      String(VXLAN_PORT),
      'nolearning',
      ...(ends.underlayIface ? ['dev', ends.underlayIface] : []),
    ]);
  if (!vxlan || vxlan.mtu !== n.mtu || vxlan.master !== br || !vxlan.up)
    lines.push(['link', 'set', vx, 'mtu', String(n.mtu), 'master', br, 'up']);
  return lines;
}

/** The `ip` lines for a VM interface's tap: made (down, on no bridge) when missing, its MTU set. */
export function tapLines(links: LinkTable, tap: string, mtu: number): BatchLine[] {
  const link = links.get(tap);
  return [
    ...(link ? [] : [['tuntap', 'add', 'dev', tap, 'mode', 'tap']]),
    ...(link?.mtu === mtu ? [] : [['link', 'set', tap, 'mtu', String(mtu)]]),
  ];
}

export interface FdbEntry {
  readonly mac: string;
  readonly ifname?: string;
  readonly dst?: string;
}

/** The `bridge` lines that make a VXLAN device's flood list (one all-zero FDB entry per peer host) `peers`. */
export function floodLines(
  entries: readonly FdbEntry[],
  vni: number,
  peers: readonly string[],
  localAddress: string,
): BatchLine[] {
  const vx = vxlanName(vni);
  const current = new Set(
    entries.filter((e) => e.ifname === vx && e.mac === FLOOD_MAC && e.dst).map((e) => e.dst!),
  );
  const wanted = new Set(peers.filter((p) => p !== localAddress));
  return [
    ...[...wanted]
      .filter((p) => !current.has(p))
      .map((p) => ['fdb', 'append', FLOOD_MAC, 'dev', vx, 'dst', p]),
    ...[...current].filter((p) => !wanted.has(p)).map((p) => ['fdb', 'del', FLOOD_MAC, 'dev', vx, 'dst', p]),
  ];
}
