import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, HostId, SnapshotId, TenantId, VolumeId, VolumeState } from '@berth/domain';

/**
 * A tenant's block volume. It lives on one host (host-local backend) and belongs to at most one
 * container at a time (`container_id`): one writer. Deleted rows stay for billing and history.
 */
@Entity({ name: 'volumes' })
export class VolumeEntity {
  @PrimaryColumn({ type: 'text' })
  id!: VolumeId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'size_gib', type: 'integer' })
  sizeGib!: number;

  @Column({ type: 'text' })
  backend!: string;

  @Column({ name: 'host_id', type: 'text', nullable: true })
  hostId!: HostId | null;

  @Column({ type: 'text' })
  state!: VolumeState;

  /** Set for a volume restored from a snapshot. */
  @Column({ name: 'source_snapshot_id', type: 'text', nullable: true })
  sourceSnapshotId!: SnapshotId | null;

  @Column({ name: 'container_id', type: 'text', nullable: true })
  containerId!: ContainerId | null;

  @Column({ name: 'mount_path', type: 'text', nullable: true })
  mountPath!: string | null;

  /** The container's disk slot (serial berth-vol<n>). */
  @Column({ name: 'device_index', type: 'integer', nullable: true })
  deviceIndex!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
