import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from '@berth/contracts';
import type { ErrorCode } from '@berth/domain';
import { newRequestId } from './request-id';

function send(
  reply: FastifyReply,
  req: FastifyRequest,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  const body: ErrorBody = { error: { code, message, requestId: req.id } };
  void reply
    .status(status)
    .header('x-request-id', req.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value as Record<string, unknown>).some(
    ([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1),
  );
}

/**
 * NUL bytes cannot be stored in Postgres text, and no berth field needs them: refuse them in the
 * path, query or body with a 400 before any handler sees them (they would otherwise surface as 500s).
 */
export function rejectNulBytes(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  let url: string;
  try {
    url = decodeURIComponent(req.url);
  } catch {
    send(reply, req, 400, 'request/invalid', 'the URL is not validly percent-encoded');
    return;
  }
  if (url.includes('\u0000') || containsNul(req.body)) {
    send(reply, req, 400, 'request/invalid', 'NUL characters are not allowed in paths, queries or fields');
    return;
  }
  done();
}

/**
 * Errors Fastify raises before routing (bad URLs, over-long parameters) get berth's error body too.
 */
export function frameworkErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const code: ErrorCode =
    status === 414 ? 'request/invalid' : status === 404 ? 'route/not_found' : 'request/invalid';
  send(
    reply,
    req,
    status,
    code,
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : error.message,
  );
}

/**
 * Requests Node's HTTP parser refuses before Fastify has a request (a URL and headers over
 * `maxHeaderSize`, e.g. a query parameter repeated 100,000 times; a request not sent in time; bytes
 * that are not HTTP) get berth's error body too, with a request id of their own, instead of Fastify's.
 */
export function clientErrors(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'request/headers_too_large',
          `the request's URL and headers are larger than ${maxHeaderSize} bytes, the most berth accepts`,
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request/timeout', 'the request was not received in time']
        : [400, 'request/malformed', 'the request is not valid HTTP'];
  const requestId = newRequestId();
  const body: ErrorBody = { error: { code, message, requestId } };
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `content-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(json)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        `connection: close\r\n\r\n${json}`,
    );
  } else {
    socket.destroy(err);
  }
}
