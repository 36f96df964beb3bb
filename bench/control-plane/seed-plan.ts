/**
 * The rows the control-plane bench seeds, planned in memory (pure; seed.ts writes them): many tenants'
 * containers in a realistic mix of states, each tenant with its own default network, each live
 * container with a NIC on it, spread over the fleet's hosts.
 */
import { newId } from '../../libs/domain/src';

/** Of every 20 containers: 14 running, 3 stopped, 2 exited, 1 deleted (history kept, resources released). */
const MIX = [
  ...Array<'running'>(14).fill('running'),
  ...Array<'stopped'>(3).fill('stopped'),
  ...Array<'exited'>(2).fill('exited'),
  'deleted' as const,
];
export type SeedState = (typeof MIX)[number];

export interface SeedPlan {
  readonly tenantIds: string[];
  readonly tenantNames: string[];
  readonly networkIds: string[];
  readonly containerIds: string[];
  /** Index into tenantIds (and networkIds) of each container. */
  readonly tenantOf: number[];
  readonly names: string[];
  readonly states: SeedState[];
  /** null for deleted containers (they hold no host). */
  readonly hostIds: (string | null)[];
  /** null for deleted containers (their NIC was released). */
  readonly ips: (string | null)[];
  readonly macs: (string | null)[];
}

export interface SeedOptions {
  readonly count: number;
  /** Containers per seeded tenant (their default network is a /24: at most 200). */
  readonly perTenant: number;
  readonly hostIds: readonly string[];
  /** A run-wide counter, so that names and MACs stay unique over several seeds of one database. */
  readonly firstIndex: number;
  /** The network the seeded tenants' networks copy: addresses are its first three octets + .10 onwards. */
  readonly networkPrefix: string;
  /** MACs already in the database (the API's are random in the same block): the seed skips them. */
  readonly takenMacs?: ReadonlySet<string>;
}

export function seedPlan(o: SeedOptions): SeedPlan {
  if (o.perTenant < 1 || o.perTenant > 200) throw new Error('1 to 200 containers per seeded tenant');
  if (o.hostIds.length === 0) throw new Error('seeded containers need hosts');
  if (o.firstIndex + o.count > 0x7fffff) throw new Error('MACs 52:54:00:80:00:00 onwards run out');
  const p: SeedPlan = {
    tenantIds: [],
    tenantNames: [],
    networkIds: [],
    containerIds: [],
    tenantOf: [],
    names: [],
    states: [],
    hostIds: [],
    ips: [],
    macs: [],
  };
  const used = new Set(o.takenMacs ?? []);
  let cursor = 0x800000 + o.firstIndex;
  const nextMac = (): string => {
    while (used.has(macOf(cursor))) cursor++;
    if (cursor > 0xffffff) throw new Error('MACs 52:54:00:80:00:00 onwards ran out');
    const mac = macOf(cursor++);
    used.add(mac);
    return mac;
  };
  for (let k = 0; k < o.count; k++) {
    const n = o.firstIndex + k;
    const slot = k % o.perTenant;
    if (slot === 0) {
      p.tenantIds.push(newId('ten'));
      p.tenantNames.push(`seed-tenant-${n}`);
      p.networkIds.push(newId('net'));
    }
    const state = MIX[n % MIX.length]!;
    const live = state !== 'deleted';
    p.containerIds.push(newId('ctr'));
    p.tenantOf.push(p.tenantIds.length - 1);
    p.names.push(`seed-${n}`);
    p.states.push(state);
    p.hostIds.push(live ? o.hostIds[n % o.hostIds.length]! : null);
    p.ips.push(live ? `${o.networkPrefix}.${10 + slot}` : null);
    // The upper half of QEMU's 52:54:00 block, skipping the API's own (random in the whole block).
    p.macs.push(live ? nextMac() : null);
  }
  return p;
}

function macOf(v: number): string {
  const hex = v.toString(16).padStart(6, '0');
  return `52:54:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}
