// Container sizes, modelled on Hyper.sh's S1…L3: a tenant picks a name, never raw numbers, so
// that placement packs hosts predictably and prices are per size (DESIGN.md "Billing").
// Every size gets the same 10 GiB root disk; volumes are how a container gets more.

export interface Resources {
  readonly vcpu: number;
  readonly memoryMib: number;
  readonly diskGib: number;
}

export const SIZES = {
  s1: { vcpu: 1, memoryMib: 64, diskGib: 10 },
  s2: { vcpu: 1, memoryMib: 128, diskGib: 10 },
  s3: { vcpu: 1, memoryMib: 256, diskGib: 10 },
  s4: { vcpu: 1, memoryMib: 512, diskGib: 10 },
  m1: { vcpu: 1, memoryMib: 1024, diskGib: 10 },
  m2: { vcpu: 2, memoryMib: 2048, diskGib: 10 },
  m3: { vcpu: 2, memoryMib: 4096, diskGib: 10 },
  l1: { vcpu: 4, memoryMib: 4096, diskGib: 10 },
  l2: { vcpu: 4, memoryMib: 8192, diskGib: 10 },
  l3: { vcpu: 8, memoryMib: 16384, diskGib: 10 },
} as const satisfies Record<string, Resources>;

export type SizeName = keyof typeof SIZES;

/** All size names, smallest first (the order a price list or `--help` shows them). */
export const SIZE_NAMES: readonly SizeName[] = Object.freeze(Object.keys(SIZES) as SizeName[]);

/** The size a container gets when the request names none (Hyper's default was S4 too). */
export const DEFAULT_SIZE: SizeName = 's4';

export function isSizeName(v: unknown): v is SizeName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(SIZES, v);
}

export function sizeResources(name: SizeName): Resources {
  return SIZES[name];
}

export const ZERO_RESOURCES: Resources = Object.freeze({ vcpu: 0, memoryMib: 0, diskGib: 0 });

export function addResources(a: Resources, b: Resources): Resources {
  return { vcpu: a.vcpu + b.vcpu, memoryMib: a.memoryMib + b.memoryMib, diskGib: a.diskGib + b.diskGib };
}

/**
 * `a - b`, per dimension. The result may be negative: a host whose capacity was lowered below
 * what is already reserved is overcommitted, and hiding that behind a clamp to zero would make
 * the host look merely full. `fitsWithin` treats a negative free amount as no room.
 */
export function subtractResources(a: Resources, b: Resources): Resources {
  return { vcpu: a.vcpu - b.vcpu, memoryMib: a.memoryMib - b.memoryMib, diskGib: a.diskGib - b.diskGib };
}

/** True when every dimension of `request` is at most the same dimension of `free`. */
export function fitsWithin(request: Resources, free: Resources): boolean {
  return request.vcpu <= free.vcpu && request.memoryMib <= free.memoryMib && request.diskGib <= free.diskGib;
}

/** "1 vCPU / 512 MiB / 10 GiB": how resources are written in messages to people. */
export function formatResources(r: Resources): string {
  return `${r.vcpu} vCPU / ${r.memoryMib} MiB / ${r.diskGib} GiB`;
}
