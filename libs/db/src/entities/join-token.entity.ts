import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { HostId, JoinTokenId } from '@berth/domain';

/**
 * A token an agent presents to register a host (apps/api/src/hosts/join-tokens.service.ts). Only a slow
 * hash of the secret is kept; `prefix` finds the row and names the token in lists. With `hostId` it is a
 * one-time re-admission token: it registers that host only, and is deleted when used.
 */
@Entity({ name: 'join_tokens' })
export class JoinTokenEntity {
  @PrimaryColumn({ type: 'text' })
  id!: JoinTokenId;

  @Column({ type: 'text', unique: true })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  @Column({ type: 'text' })
  description!: string;

  /** Set on a re-admission token: the one host it may register. */
  @Column({ name: 'host_id', type: 'text', nullable: true })
  hostId!: HostId | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
