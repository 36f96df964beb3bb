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

@Injectable()
export class AgentJoinAuthGuard extends AuthGuard('agent-join') {
  override handleRequest<T>(err: unknown, user: T | false, info: unknown): T {
    return rejectOrPass('agent join token', err, user, info);
  }
}
