import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, ContainerState, HostId, SizeName, TenantId } from '@berth/domain';

@Entity({ name: 'containers' })
export class ContainerEntity {
  @PrimaryColumn({ type: 'text' })
  id!: ContainerId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  image!: string;

  /** null: the image's own entrypoint and cmd. */
  @Column({ type: 'jsonb', nullable: true })
  command!: string[] | null;

  @Column({ type: 'jsonb' })
  env!: Record<string, string>;

  @Column({ type: 'jsonb' })
  labels!: Record<string, string>;

  @Column({ type: 'text' })
  size!: SizeName;

  /** Resources copied from the size at create time, so a later change to the size table moves nothing. */
  @Column({ type: 'integer' })
  vcpu!: number;

  @Column({ name: 'memory_mib', type: 'integer' })
  memoryMib!: number;

  @Column({ name: 'disk_gib', type: 'integer' })
  diskGib!: number;

  @Column({ name: 'restart_policy', type: 'text' })
  restartPolicy!: string;

  @Column({ type: 'text' })
  state!: ContainerState;

  /** Raised by every user action; agents skip jobs of an older generation. */
  @Column({ type: 'integer' })
  generation!: number;

  @Column({ name: 'host_id', type: 'text', nullable: true })
  hostId!: HostId | null;

  @Column({ name: 'exit_code', type: 'integer', nullable: true })
  exitCode!: number | null;

  @Column({ name: 'state_reason', type: 'text', nullable: true })
  stateReason!: string | null;

  /** When the state last changed: the host's clock for agent reports, the API's for user actions. */
  @Column({ name: 'state_changed_at', type: 'timestamptz' })
  stateChangedAt!: Date;

  /** Host clock of the last agent report applied; older reports (retries, reordering) are ignored. */
  @Column({ name: 'last_report_at', type: 'timestamptz', nullable: true })
  lastReportAt!: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
