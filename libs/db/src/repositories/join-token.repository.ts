import type { EntityManager } from 'typeorm';
import type { HostId, JoinTokenId } from '@berth/domain';
import { JoinTokenEntity } from '../entities/join-token.entity';

/** Join tokens' deletions: a re-admission token spent, and expired tokens reaped. */
export class JoinTokenRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Deletes the host's unexpired re-admission token, in one statement, so that of two registrations
   * racing with it only one finds it. Says whether this one did.
   */
  async spend(id: JoinTokenId, hostId: HostId): Promise<boolean> {
    // TypeORM's postgres driver answers a DELETE with [rows, affected].
    const [, affected] = await this.em.query<[unknown[], number]>(
      'DELETE FROM join_tokens WHERE id = $1 AND host_id = $2 AND expires_at > now()',
      [id, hostId],
    );
    return affected > 0;
  }

  /** Deletes every token that expired before `cutoff`; returns how many went. */
  async deleteExpiredBefore(cutoff: Date): Promise<number> {
    const res = await this.em
      .createQueryBuilder()
      .delete()
      .from(JoinTokenEntity)
      .where('expires_at < :cutoff', { cutoff })
      .execute();
    return res.affected ?? 0;
  }
}
