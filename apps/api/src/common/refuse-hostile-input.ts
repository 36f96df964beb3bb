import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { DomainError } from '@berth/domain';
import { INPUT_LIMITS, type InputShapeLimits } from './input-limits';
import { assertInputShape } from './input-shape';

function limitsFor(req: FastifyRequest): InputShapeLimits {
  return req.routeOptions.config.inputLimits ?? INPUT_LIMITS;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * A Fastify `preValidation` hook, so it runs on every route after the body is parsed and before
 * Nest's guards, pipes (class-transformer, class-validator) or interceptors see anything: the body,
 * the query string and the path parameters must fit their route's input limits (INPUT_LIMITS unless
 * the route declares others with `@InputLimits`), and a body must be a JSON object, as every berth
 * body is. Anything else is a coded 400 before any work is done for it.
 */
export function refuseHostileInput(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  try {
    assertRequestShape(req);
  } catch (err) {
    done(err as Error);
    return;
  }
  done();
}

function assertRequestShape(req: FastifyRequest): void {
  const limits = limitsFor(req);
  const body: unknown = req.body;
  if (body !== undefined) {
    // The shape first, so that the 2,000 nested arrays are called what they are: too deep.
    assertInputShape(body, limits, 'body');
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new DomainError(
        'request/invalid',
        `the request body must be a JSON object ({...}), not ${jsonTypeOf(body)}`,
      );
    }
  }
  assertInputShape(req.query, limits, 'query');
  assertInputShape(req.params, limits, 'params');
}
