import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const CLIENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id that ties a request's log lines to its error body. A caller's own `X-Request-Id` is kept
 * when it is sane, so that ids can be followed across services; otherwise berth makes one.
 */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && CLIENT_ID_PATTERN.test(given)) return given;
  return newRequestId();
}

/** A fresh request id, for a request that has none yet (one Node's HTTP parser refused). */
export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}
