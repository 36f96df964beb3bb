import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import passport from 'passport';
import { DataSource } from 'typeorm';
import { ApiKeyEntity, ApiKeyRepository, HostEntity, HostRepository, recordLastUse } from '@berth/db';
import { DomainError } from '@berth/domain';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { JoinTokensService } from '../hosts/join-tokens.service';
import { HeaderBearerStrategy } from './header-bearer.strategy';
import type { Principal } from './principal';
import { sameSecret, verifyAndUpgrade } from './secret-hasher';
import { parseToken } from './tokens';

/**
 * Registers berth's four Passport strategies: `operator` (admin token from config), `tenant` (API keys),
 * `agent` (per-host tokens) and `agent-join` (a join token an agent presents to register a new host;
 * its expiry and revocation are JoinTokensService's).
 */
@Injectable()
export class AuthStrategiesService implements OnModuleInit {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly ds: DataSource,
    private readonly joinTokens: JoinTokensService,
  ) {}

  onModuleInit(): void {
    passport.use(new HeaderBearerStrategy('operator', (t) => Promise.resolve(this.verifyOperator(t))));
    passport.use(new HeaderBearerStrategy('agent-join', (t) => this.joinTokens.verify(t)));
    passport.use(new HeaderBearerStrategy('tenant', (t) => this.verifyTenant(t)));
    passport.use(new HeaderBearerStrategy('agent', (t) => this.verifyAgent(t)));
  }

  verifyOperator(token: string): Principal | null {
    return sameSecret(token, this.config.operatorToken) ? { kind: 'operator' } : null;
  }

  async verifyTenant(token: string): Promise<Principal | null> {
    const parsed = parseToken('bk', token);
    if (!parsed) return null;
    const found = await new ApiKeyRepository(this.ds.manager).findActiveWithTenantState(parsed.prefix);
    if (!found) return null;
    const { key, tenantState } = found;
    const valid = await verifyAndUpgrade(parsed.secret, key.secretHash, (upgraded) =>
      this.ds.manager.update(
        ApiKeyEntity,
        { id: key.id, secretHash: key.secretHash },
        { secretHash: upgraded },
      ),
    );
    if (!valid) return null;
    if (tenantState === 'suspended') {
      throw new DomainError('tenant/suspended', 'this tenant is suspended; contact the operator');
    }
    await recordLastUse(this.ds.manager, ApiKeyEntity, key, new Date());
    return { kind: 'tenant', tenantId: key.tenantId, keyId: key.id };
  }

  /**
   * One indexed read of two columns per agent request (a host's heartbeat is this and its UPDATE): the
   * host's other columns, its templates among them, are the endpoint's business. No slow hash, no cache
   * (secret-hasher.ts).
   */
  async verifyAgent(token: string): Promise<Principal | null> {
    const parsed = parseToken('bh', token);
    if (!parsed) return null;
    const host = await new HostRepository(this.ds.manager).credentialsByTokenPrefix(parsed.prefix);
    if (!host) return null;
    const valid = await verifyAndUpgrade(parsed.secret, host.tokenHash, (upgraded) =>
      this.ds.manager.update(HostEntity, { id: host.id, tokenHash: host.tokenHash }, { tokenHash: upgraded }),
    );
    if (!valid) return null;
    return { kind: 'agent', hostId: host.id };
  }
}
