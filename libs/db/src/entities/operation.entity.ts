import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HostId, OperationId, OperationKind, OperationState, TenantId } from '@berth/domain';

/** One user action on one object, followed until the agent reports that it is done. */
@Entity({ name: 'operations' })
export class OperationEntity {
  @PrimaryColumn({ type: 'text' })
  id!: OperationId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  kind!: OperationKind;

  @Column({ type: 'text' })
  state!: OperationState;

  @Column({ name: 'target_id', type: 'text' })
  targetId!: string;

  @Column({ name: 'host_id', type: 'text', nullable: true })
  hostId!: HostId | null;

  @Column({ type: 'integer' })
  generation!: number;

  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /** Attempts to hand the job to a queue: the reconciler raises it when it re-enqueues. */
  @Column({ name: 'enqueue_count', type: 'integer' })
  enqueueCount!: number;

  /** What the agent last said about a long step (an image pull): phase and bytes. */
  @Column({ type: 'jsonb', nullable: true })
  progress!: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
