import {
  HttpStatus,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DomainError } from '@berth/domain';
import type { Principal } from '../auth/principal';
import { canonicalJson } from './canonical-json';
import { IdempotencyService } from './idempotency.service';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

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
 * Successful answers are kept; a failed request releases its key so that the client can retry.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyService,
    private readonly reflector: Reflector,
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
    const hash = createHash('sha256')
      .update(`${req.method} ${req.url}\n${canonicalJson(req.body ?? null)}`)
      .digest('hex');
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    return from(this.run(scope, header, hash, status, reply, next));
  }

  private async run(
    scope: string,
    key: string,
    hash: string,
    status: number,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    const claim = await this.store.claim(scope, key, hash);
    if (claim.kind === 'replay') {
      void reply.header('idempotent-replayed', 'true');
      return claim.body;
    }
    try {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.store.complete(scope, key, status, body);
      return body;
    } catch (err) {
      await this.store.release(scope, key);
      throw err;
    }
  }
}
