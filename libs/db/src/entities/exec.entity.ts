import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ContainerId, OperationId, TenantId } from '@berth/domain';

/** A command to run inside a running container, and its result; keyed by its operation. */
@Entity({ name: 'execs' })
export class ExecEntity {
  @PrimaryColumn({ name: 'operation_id', type: 'text' })
  operationId!: OperationId;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: TenantId;

  @Column({ name: 'container_id', type: 'text' })
  containerId!: ContainerId;

  @Column({ type: 'jsonb' })
  command!: string[];

  @Column({ type: 'jsonb' })
  env!: string[];

  @Column({ type: 'text', nullable: true })
  workdir!: string | null;

  @Column({ type: 'text', nullable: true })
  user!: string | null;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({ name: 'exit_code', type: 'integer', nullable: true })
  exitCode!: number | null;

  @Column({ type: 'text', nullable: true })
  stdout!: string | null;

  @Column({ type: 'text', nullable: true })
  stderr!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
