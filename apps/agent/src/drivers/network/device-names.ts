import { createHash } from 'node:crypto';

/** Linux interface names are at most 15 characters; these stay well under. */
export function bridgeName(vni: number): string {
  return `bn${vni}`;
}

export function vxlanName(vni: number): string {
  return `vx${vni}`;
}

/** A container NIC's tap: stable for (container, network), so a retried job finds the same device. */
export function tapName(containerId: string, networkId: string): string {
  return `tp${createHash('sha256').update(`${containerId}|${networkId}`).digest('hex').slice(0, 11)}`;
}

/** Every host gives a network's gateway the same MAC (an anycast gateway): replies look alike wherever they come from. */
export function gatewayMac(vni: number): string {
  const b = [(vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff];
  return ['02', 'be', '00', ...b.map((x) => x.toString(16).padStart(2, '0'))].join(':');
}
