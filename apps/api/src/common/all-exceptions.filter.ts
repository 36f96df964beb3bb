import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '@berth/contracts';
import { metrics } from '../metrics/metrics.registry';
import { mapError } from './error-body';

/** Every error leaves the API as `{ error: { code, message, requestId } }`; 5xx are logged as bugs. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly log = new Logger('errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    // routeOptions is absent when no route matched (a 404 for an unknown path): the general limit applies.
    const mapped = mapError(exception, req.routeOptions?.bodyLimit);
    if (mapped.status >= 500) {
      metrics.internalErrors.inc();
      this.log.error({ requestId: req.id, err: exception }, `unhandled error on ${req.method} ${req.url}`);
    }
    const body: ErrorBody = {
      error: {
        code: mapped.code,
        message: mapped.message,
        requestId: req.id,
        ...(mapped.details !== undefined ? { details: mapped.details } : {}),
      },
    };
    void reply.status(mapped.status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
