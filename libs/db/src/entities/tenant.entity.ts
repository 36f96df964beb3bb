import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@berth/domain';

export type TenantState = 'active' | 'suspended';

@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn({ type: 'text' })
  id!: TenantId;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  state!: TenantState;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;
}
