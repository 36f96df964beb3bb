import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '@berth/domain';

function rejectOrPass<T>(what: string, err: unknown, user: T | false | null, info: unknown): T {
  if (err) throw err instanceof Error ? err : new Error('authentication failed');
  if (!user) {
    const reason = typeof info === 'string' ? info : 'invalid bearer token';
    throw new DomainError('auth/unauthenticated', `${reason}: send "Authorization: Bearer <${what}>"`);
  }
  return user;
}

@Injectable()
export class TenantAuthGuard extends AuthGuard('tenant') {
  override handleRequest<T>(err: unknown, user: T | false, info: unknown): T {
    return rejectOrPass('API key', err, user, info);
  }
}

@Injectable()
export class OperatorAuthGuard extends AuthGuard('operator') {
  override handleRequest<T>(err: unknown, user: T | false, info: unknown): T {
    return rejectOrPass('operator token', err, user, info);
  }
}

@Injectable()
export class AgentAuthGuard extends AuthGuard('agent') {
  override handleRequest<T>(err: unknown, user: T | false, info: unknown): T {
    return rejectOrPass('host token', err, user, info);
  }
}

/**
 * Registration: a host's own token (a host that exists re-registers with it) or a join token (a new
 * host). Passport tries them in this order; the first that recognises the token decides.
 */
@Injectable()
export class RegistrantAuthGuard extends AuthGuard(['agent', 'agent-join']) {
  override handleRequest<T>(err: unknown, user: T | false, info: unknown): T {
    return rejectOrPass('host token or agent join token', err, user, info);
  }
}
