import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HostId } from '@berth/domain';

/**
 * A host's own Redis (ACL) user. Only the SHA-256 of its password is kept: that is all `ACL SETUSER`
 * needs (`#<hex>`) to make the user again after Redis lost it, and the password itself is 256 random
 * bits, so its hash cannot be reversed by guessing.
 */
@Entity({ name: 'agent_redis_users' })
export class AgentRedisUserEntity {
  @PrimaryColumn({ name: 'host_id', type: 'text' })
  hostId!: HostId;

  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'password_sha256', type: 'text' })
  passwordSha256!: string;

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt!: Date;
}
