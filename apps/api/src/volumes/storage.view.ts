import type { SnapshotView, VolumeView } from '@berth/contracts';
import type { SnapshotEntity, VolumeEntity } from '@berth/db';

export function volumeView(
  v: VolumeEntity,
  usageGbSeconds: number,
  containerName: string | null = null,
): VolumeView {
  return {
    id: v.id,
    name: v.name,
    sizeGb: v.sizeGib,
    state: v.state,
    backend: v.backend,
    hostId: v.hostId,
    attachment:
      v.containerId && v.mountPath
        ? { containerId: v.containerId, containerName: containerName ?? v.containerId, path: v.mountPath }
        : null,
    sourceSnapshotId: v.sourceSnapshotId,
    error: v.error,
    usageGbSeconds,
    createdAt: v.createdAt.toISOString(),
    deletedAt: v.deletedAt?.toISOString() ?? null,
  };
}

export function snapshotView(s: SnapshotEntity, usageGbSeconds: number): SnapshotView {
  return {
    id: s.id,
    name: s.name,
    volumeId: s.volumeId,
    volumeName: s.volumeName,
    sizeGb: s.sizeGib,
    state: s.state,
    storedBytes: s.storedBytes === null ? null : Number(s.storedBytes),
    live: s.live,
    error: s.error,
    usageGbSeconds,
    createdAt: s.createdAt.toISOString(),
    deletedAt: s.deletedAt?.toISOString() ?? null,
  };
}
