import { HttpException } from '@nestjs/common';
import { DomainError, ERROR_STATUS, isDomainError, type ErrorCode } from '@berth/domain';
import { MAX_BODY_BYTES } from './input-limits';

export interface MappedError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

/** Fastify's own request errors (bad JSON, body too large, wrong content type) carry a statusCode. */
interface FastifyishError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
}

/**
 * The one place where any thrown thing becomes a status and a coded error (DESIGN.md, "Errors").
 * Anything unknown is a 500 `internal`: a bug, logged with the request id by the filter.
 */
export function mapError(exception: unknown, bodyLimitBytes: number = MAX_BODY_BYTES): MappedError {
  if (isDomainError(exception)) {
    return {
      status: ERROR_STATUS[exception.code],
      code: exception.code,
      message: exception.message,
      details: exception.details,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Fastify's body limit (its only 413) reaches us through Nest as a bare HttpException. The limit is
    // the route's own (the agent's exec results take more than the rest), so the caller says which.
    if (status === 413) {
      return {
        status,
        code: 'request/payload_too_large',
        message: `the request body is larger than ${formatBytes(bodyLimitBytes)}, the most this route accepts`,
      };
    }
    return { status, code: codeForStatus(status), message: messageOf(exception) };
  }
  const fst = exception as FastifyishError | null;
  if (fst && typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    if (
      fst.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      fst.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      fst.statusCode === 400
    ) {
      return {
        status: 400,
        code: 'request/malformed',
        message: `the request body is not valid JSON: ${fst.message ?? ''}`.trim(),
      };
    }
    return {
      status: fst.statusCode,
      code: codeForStatus(fst.statusCode),
      message: fst.message ?? 'bad request',
    };
  }
  return {
    status: 500,
    code: 'internal',
    message: 'internal error; the request id identifies it in our logs',
  };
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'request/invalid';
    case 401:
      return 'auth/unauthenticated';
    case 403:
      return 'auth/forbidden';
    case 404:
      return 'route/not_found';
    case 405:
      return 'request/method_not_allowed';
    case 413:
      return 'request/payload_too_large';
    case 415:
      return 'request/unsupported_media_type';
    default:
      return status >= 500 ? 'internal' : 'request/invalid';
  }
}

function messageOf(e: HttpException): string {
  const r = e.getResponse();
  if (typeof r === 'string') return r;
  const m = (r as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  if (typeof m === 'string') return m;
  return e.message;
}

export function notFound(code: ErrorCode, what: string, id: string): DomainError {
  return new DomainError(code, `${what} ${id} does not exist`);
}

/** 1048576 -> "1 MiB", 1536 -> "1.5 KiB": the limits are set in binary units, so they read as such. */
function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}
