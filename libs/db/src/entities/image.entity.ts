import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HostId, ImageId, TenantId } from '@berth/domain';

export type ImageState = 'pulling' | 'ready' | 'failed';

/** A tenant's image: a reference resolved (by a host that pulled it) to a manifest digest and config. */
@Entity({ name: 'images' })
export class ImageEntity {
  @PrimaryColumn({ type: 'text' })
  id!: ImageId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  reference!: string;

  @Column({ type: 'text' })
  state!: ImageState;

  @Column({ type: 'text', nullable: true })
  digest!: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true })
  sizeBytes!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  config!: Record<string, unknown> | null;

  @Column({ name: 'host_id', type: 'text', nullable: true })
  hostId!: HostId | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
