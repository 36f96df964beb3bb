import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HostId, SnapshotId, SnapshotState, TenantId, VolumeId } from '@berth/domain';

/** A point-in-time copy of a volume, kept on the volume's host; it outlives the volume. */
@Entity({ name: 'snapshots' })
export class SnapshotEntity {
  @PrimaryColumn({ type: 'text' })
  id!: SnapshotId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'volume_id', type: 'text' })
  volumeId!: VolumeId;

  /** The source's name when the snapshot was taken (the volume may be gone since). */
  @Column({ name: 'volume_name', type: 'text' })
  volumeName!: string;

  /** The source volume's size: a restore needs at least this much. */
  @Column({ name: 'size_gib', type: 'integer' })
  sizeGib!: number;

  @Column({ type: 'text' })
  backend!: string;

  @Column({ name: 'host_id', type: 'text', nullable: true })
  hostId!: HostId | null;

  @Column({ type: 'text' })
  state!: SnapshotState;

  /** Bytes the host stores for it (only the data the volume held), once made. */
  @Column({ name: 'stored_bytes', type: 'bigint', nullable: true })
  storedBytes!: string | null;

  /** Whether it was taken from a running container (crash-consistent) or a detached volume. */
  @Column({ type: 'boolean', nullable: true })
  live!: boolean | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
