// Coded errors (DESIGN.md "Errors"). Domain code throws a DomainError with a stable code; one
// filter at the HTTP edge maps the code to a status and the body { error: { code, message } }.
// Codes are part of the public API: clients branch on them, so rename none, only add.

export const ERROR_STATUS = {
  'request/invalid': 400,
  'request/malformed': 400,
  'request/payload_too_large': 413,
  'request/unsupported_media_type': 415,
  'request/method_not_allowed': 405,
  'request/too_deep': 400,
  'request/too_many_items': 400,
  'request/string_too_long': 400,
  'request/forbidden_key': 400,
  'request/headers_too_large': 431,
  'request/timeout': 408,
  'route/not_found': 404,
  'auth/unauthenticated': 401,
  'auth/forbidden': 403,
  'tenant/suspended': 403,
  'tenant/not_found': 404,
  'api_key/not_found': 404,
  'host/not_found': 404,
  'host/not_ready': 409,
  'host/name_taken': 409,
  'host/name_mismatch': 409,
  'join_token/not_found': 404,
  'join_token/wrong_host': 403,
  'auth/token_expired': 401,
  'container/not_found': 404,
  'container/name_taken': 409,
  'container/invalid_state': 409,
  'container/not_running': 409,
  'image/not_found': 404,
  'registry_credential/not_found': 404,
  'operation/not_found': 404,
  // An agent reported a result of another kind than its operation (an image result for an exec).
  'operation/result_mismatch': 409,
  'network/not_found': 404,
  'network/name_taken': 409,
  'network/overlap': 409,
  'network/in_use': 409,
  'network/full': 409,
  'security_group/not_found': 404,
  'security_group/name_taken': 409,
  'security_group/in_use': 409,
  'security_rule/not_found': 404,
  'fip/not_found': 404,
  'fip/name_taken': 409,
  'fip/in_use': 409,
  'fip/pool_exhausted': 409,
  'container/has_fip': 409,
  'volume/not_found': 404,
  'volume/name_taken': 409,
  'volume/in_use': 409,
  'volume/not_ready': 409,
  'volume/host_conflict': 409,
  'snapshot/not_found': 404,
  'snapshot/name_taken': 409,
  'snapshot/not_ready': 409,
  'billing/past_due': 402,
  'invoice/not_found': 404,
  'webhook/invalid_signature': 400,
  'idempotency/key_reused': 409,
  'idempotency/in_progress': 409,
  'idempotency/replay_unavailable': 409,
  'capacity/unavailable': 409,
  'quota/exceeded': 403,
  // Too many requests for one API key (or, unauthenticated, one address); Retry-After says when to retry.
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(ERROR_STATUS) as ErrorCode[]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}

/**
 * An expected failure with a code a client can act on. `message` is shown to the client, so it
 * must be a sentence a person understands and must not leak other tenants' data; `details`
 * carries structured context (also returned to the client) such as the offending field.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/**
 * Every code an operation can end `failed` with (`error.code` of GET /v1/operations/:id): what hosts'
 * agents report (their faults, libs of the image pipeline, drivers, volume backends) and what the API
 * sets itself. Public, as ERROR_STATUS is: clients branch on them, so rename none, only add. A host
 * reports only codes listed here (the agent maps any other to its job's general code).
 */
export const OPERATION_ERROR_CODES = [
  // the agent's general codes, one per kind of work
  'agent/failed',
  'exec/failed',
  'image/pull_failed',
  'storage/failed',
  // machines (drivers)
  'host/machine_missing',
  'container/not_running',
  'exec/timeout',
  'image/missing',
  'image/no_command',
  // the image pipeline
  'image/invalid_reference',
  'image/not_found',
  'image/unauthorized',
  'image/registry_unreachable',
  'image/digest_mismatch',
  'image/unsupported',
  'image/unpack_failed',
  'image/registry_forbidden',
  'image/insecure_realm',
  // volume backends and storage work
  'storage/incomplete',
  'snapshot/missing',
  'volume/bad_id',
  // set by the API
  'host/lost',
  'exec/lost',
] as const;

export type OperationErrorCode = (typeof OPERATION_ERROR_CODES)[number];

export function isOperationErrorCode(value: unknown): value is OperationErrorCode {
  return typeof value === 'string' && (OPERATION_ERROR_CODES as readonly string[]).includes(value);
}
