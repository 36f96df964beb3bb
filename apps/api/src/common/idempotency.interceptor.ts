import {
  HttpStatus,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DomainError } from '@berth/domain';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from './idempotency.service';
import { RequestFingerprinter } from './request-fingerprint';
import { RETURNS_SECRET } from './returns-secret.decorator';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface IdempotentRequest {
  readonly scope: string;
  readonly key: string;
  readonly hash: string;
  readonly status: number;
  readonly holdsSecret: boolean;
}

function scopeOf(principal: Principal | undefined): string | null {
  switch (principal?.kind) {
    case 'tenant':
      return principal.tenantId;
    case 'operator':
      return 'operator';
    case 'agent':
    case 'agent-join':
    case undefined:
      return null;
  }
}

/**
 * `Idempotency-Key` on POST: the same key and body returns the first answer (with
 * `Idempotent-Replayed: true`); the same key with another body is `409 idempotency/key_reused`.
 * Successful answers are kept for 24 hours (sealed when the handler is marked `@ReturnsSecret()`); a failed
 * request releases its key so that the client can retry. Requests are told apart by a keyed fingerprint.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyService,
    private readonly reflector: Reflector,
    private readonly fingerprinter: RequestFingerprinter,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const header = req.headers['idempotency-key'];
    const scope = scopeOf(req.user);
    if (req.method !== 'POST' || header === undefined || scope === null) return next.handle();
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw new DomainError('request/invalid', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ?? HttpStatus.CREATED;
    const holdsSecret = this.reflector.get<boolean | undefined>(RETURNS_SECRET, ctx.getHandler()) === true;
    const hash = this.fingerprinter.fingerprint(req.method, req.url, req.body);
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    return from(this.run({ scope, key: header, hash, status, holdsSecret }, reply, next));
  }

  private async run(
    { scope, key, hash, status, holdsSecret }: IdempotentRequest,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    const claim = await this.store.claim(scope, key, hash);
    if (claim.kind === 'replay') {
      void reply.header('idempotent-replayed', 'true');
      return claim.body;
    }
    const request = { scope, key, statusCode: status, holdsSecret, storedInTransaction: false };
    try {
      const body: unknown = await this.store.runClaimed(request, () =>
        lastValueFrom(next.handle(), { defaultValue: undefined }),
      );
      await this.store.complete(request, body);
      return body;
    } catch (err) {
      await this.store.release(scope, key);
      throw err;
    }
  }
}
