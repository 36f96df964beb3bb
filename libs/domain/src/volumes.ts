// Block volumes and their snapshots: names, sizes, mount paths, the two state machines, and where a
// new volume goes. Pure, like the rest of libs/domain.
import { CONTAINER_NAME_PATTERN } from './container-name';
import { DomainError, type ErrorCode } from './errors';
import { hostAcceptsWork, type HostState } from './host-state';
import type { HostId } from './ids';

/** Volume and snapshot names follow container names (they appear in `-v name:/path`). */
export const VOLUME_NAME_PATTERN = CONTAINER_NAME_PATTERN;
export const VOLUME_NAME_RULE = '1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit';

/** Sizes are whole GiB (2^30 bytes), which the API and CLI call GB, as Hyper.sh did. */
export const VOLUME_MIN_GIB = 1;
export const VOLUME_MAX_GIB = 1024;
/** Hyper.sh's default volume size. */
export const DEFAULT_VOLUME_GIB = 10;
export const MAX_VOLUMES_PER_CONTAINER = 8;
/** The only backend so far; see docs/volumes-ceph-rbd.md for the next one. */
export const HOST_LOCAL_BACKEND = 'host-local';

export const VOLUME_STATES = ['creating', 'available', 'deleting', 'deleted', 'failed'] as const;
export type VolumeState = (typeof VOLUME_STATES)[number];
/** Snapshots live the same life: made by the host, kept, removed by the host. */
export type SnapshotState = VolumeState;
export const SNAPSHOT_STATES = VOLUME_STATES;

/** created/failed/deleted come from the host; delete from the user. */
export type StorageEvent = 'created' | 'failed' | 'delete' | 'deleted';

/**
 * ```
 * creating --created--> available --delete--> deleting --deleted--> deleted
 *     \                                 ^         |
 *      --failed--> failed --delete------+         +--failed--> failed
 * ```
 * Nothing is deleted while the host is still making it (a restore, a snapshot): the two would race
 * on the same file.
 */
export const STORAGE_TRANSITIONS: {
  readonly [S in VolumeState]: Partial<Readonly<Record<StorageEvent, VolumeState>>>;
} = {
  creating: { created: 'available', failed: 'failed' },
  available: { delete: 'deleting' },
  deleting: { deleted: 'deleted', failed: 'failed' },
  failed: { delete: 'deleting' },
  deleted: {},
};

/** The next state, or null when `event` does not apply in `from` (a duplicate or late report). */
export function nextStorageState(from: VolumeState, event: StorageEvent): VolumeState | null {
  return STORAGE_TRANSITIONS[from][event] ?? null;
}

/** A new volume: empty ones are available at once; one restored from a snapshot waits for its host. */
export function initialVolumeState(fromSnapshot: boolean): VolumeState {
  return fromSnapshot ? 'creating' : 'available';
}

/**
 * The state a tenant's delete moves a volume or snapshot to; refused with `notReady` while its host is
 * still making it (the two would race on the same file).
 */
export function storageDeletionState(
  item: { readonly name: string; readonly state: VolumeState },
  what: { readonly noun: string; readonly notReady: ErrorCode },
): VolumeState {
  const next = nextStorageState(item.state, 'delete');
  if (next === null) {
    throw new DomainError(
      what.notReady,
      `${what.noun} ${item.name} is ${item.state}; it can be deleted once its host has finished with it`,
      { state: item.state },
    );
  }
  return next;
}

export function isValidVolumeName(name: unknown): boolean {
  return typeof name === 'string' && VOLUME_NAME_PATTERN.test(name);
}

export function validateVolumeSize(sizeGib: unknown): asserts sizeGib is number {
  if (
    typeof sizeGib !== 'number' ||
    !Number.isInteger(sizeGib) ||
    sizeGib < VOLUME_MIN_GIB ||
    sizeGib > VOLUME_MAX_GIB
  ) {
    throw new DomainError(
      'request/invalid',
      `a volume's size must be a whole number of GB from ${VOLUME_MIN_GIB} to ${VOLUME_MAX_GIB}`,
      { field: 'sizeGb' },
    );
  }
}

// Places inside the guest that berth-init owns or that the kernel provides.
const RESERVED_MOUNT_ROOTS = ['/proc', '/sys', '/dev', '/run'];

/**
 * A mount path must be absolute, normalised (no `.`, `..` or `//`), not `/` itself and not under a
 * path the guest's init owns. Returns the path without a trailing slash.
 */
export function normaliseMountPath(raw: string): string {
  const fail = (why: string): never => {
    throw new DomainError('request/invalid', `mount path "${raw.slice(0, 100)}" ${why}`, {
      field: 'volumes',
    });
  };
  if (!raw.startsWith('/')) fail('must be absolute (start with /)');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f:]/.test(raw)) fail('cannot contain ":" or control characters');
  const path = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
  if (path.length > 255) fail('is longer than 255 characters');
  if (path === '/') fail('cannot be / (the root filesystem is the image)');
  for (const part of path.slice(1).split('/')) {
    if (part === '' || part === '.' || part === '..') fail('must not contain empty, "." or ".." parts');
  }
  for (const root of RESERVED_MOUNT_ROOTS) {
    if (path === root || path.startsWith(`${root}/`)) fail(`is under ${root}, which the guest's init owns`);
  }
  return path;
}

export interface VolumeMountRequest {
  readonly volume: string;
  readonly path: string;
}

/** `name:/path`, as `docker run -v` and `hyper run -v` take it (named volumes only). */
export function parseVolumeMount(spec: string): VolumeMountRequest {
  const i = spec.indexOf(':');
  if (i <= 0) {
    throw new DomainError('request/invalid', `volume "${spec.slice(0, 100)}" must be name:/path`, {
      field: 'volumes',
    });
  }
  const volume = spec.slice(0, i);
  if (!isValidVolumeName(volume)) {
    throw new DomainError(
      'request/invalid',
      `volume name "${volume.slice(0, 100)}" is not valid: use ${VOLUME_NAME_RULE}`,
      { field: 'volumes' },
    );
  }
  return { volume, path: normaliseMountPath(spec.slice(i + 1)) };
}

/**
 * Checks a container's volume list as a whole: at most MAX_VOLUMES_PER_CONTAINER, each volume once,
 * no two at the same path and none inside another (the outer mount would hide the inner one).
 */
export function validateVolumeMounts(mounts: readonly VolumeMountRequest[]): void {
  if (mounts.length > MAX_VOLUMES_PER_CONTAINER) {
    throw new DomainError(
      'request/invalid',
      `a container can have at most ${MAX_VOLUMES_PER_CONTAINER} volumes, got ${mounts.length}`,
      { field: 'volumes' },
    );
  }
  const names = new Set<string>();
  for (const m of mounts) {
    if (names.has(m.volume)) {
      throw new DomainError('request/invalid', `volume ${m.volume} is listed twice`, { field: 'volumes' });
    }
    names.add(m.volume);
  }
  for (const a of mounts) {
    for (const b of mounts) {
      if (a === b) continue;
      if (a.path === b.path || b.path.startsWith(`${a.path}/`)) {
        throw new DomainError(
          'request/invalid',
          `volumes ${a.volume} and ${b.volume} overlap at ${b.path}; give each its own directory`,
          { field: 'volumes' },
        );
      }
    }
  }
}

/**
 * The virtio-blk serial of a container's n-th volume, by which berth-init finds the disk. Virtio
 * serials hold at most 20 bytes, so it names the slot, not the volume id.
 */
export function volumeDeviceSerial(index: number): string {
  return `berth-vol${index}`;
}

export interface VolumeHostSnapshot {
  readonly id: HostId;
  readonly state: HostState;
  /** GiB the host's volume pool offers in total (0: it serves no volumes). */
  readonly capacityGib: number;
  /** GiB its volumes and snapshots already hold. */
  readonly reservedGib: number;
}

const GIB = 1024 ** 3;

/** What a made snapshot stores, in whole GB (at least one): what it bills, and holds of its host's pool. */
export function storedGib(storedBytes: number): number {
  return Math.max(1, Math.ceil(storedBytes / GIB));
}

/**
 * GiB a live snapshot holds on its host's pool: its volume's size while it is being made (the copy may
 * take all of it), what it stores once made. The database keeps the pools' counters by the same rule
 * (berth_snapshot_pool_gib; libs/db/src/check-lists.int-spec.ts compares the two).
 */
export function snapshotPoolGib(s: {
  readonly sizeGib: number;
  readonly storedBytes: number | null;
}): number {
  return s.storedBytes === null ? s.sizeGib : storedGib(s.storedBytes);
}

/**
 * The host for a new volume of `sizeGib`: a ready host with room in its pool, spreading by the share
 * of the pool that would be used (lowest first, ties to the lowest id). Throws capacity/unavailable.
 */
export function placeVolume(hosts: readonly VolumeHostSnapshot[], sizeGib: number): HostId {
  validateVolumeSize(sizeGib);
  let best: { id: HostId; score: number } | null = null;
  for (const h of hosts) {
    if (!hostAcceptsWork(h.state) || h.capacityGib <= 0) continue;
    if (h.reservedGib + sizeGib > h.capacityGib) continue;
    const score = (h.reservedGib + sizeGib) / h.capacityGib;
    if (best === null || score < best.score || (score === best.score && h.id < best.id)) {
      best = { id: h.id, score };
    }
  }
  if (best) return best.id;
  throw new DomainError('capacity/unavailable', `no ready host has room for a ${sizeGib} GB volume`, {
    sizeGb: sizeGib,
  });
}
