import { DomainError, ERROR_CODES, ERROR_STATUS, isDomainError, isErrorCode, type ErrorCode } from './errors';

// Written out independently of ERROR_STATUS: clients depend on these codes and statuses.
const EXPECTED: ReadonlyArray<readonly [ErrorCode, number]> = [
  ['request/invalid', 400],
  ['request/malformed', 400],
  ['request/payload_too_large', 413],
  ['request/unsupported_media_type', 415],
  ['request/method_not_allowed', 405],
  ['request/too_deep', 400],
  ['request/too_many_items', 400],
  ['request/string_too_long', 400],
  ['request/forbidden_key', 400],
  ['request/headers_too_large', 431],
  ['request/timeout', 408],
  ['route/not_found', 404],
  ['auth/unauthenticated', 401],
  ['auth/forbidden', 403],
  ['tenant/suspended', 403],
  ['tenant/not_found', 404],
  ['api_key/not_found', 404],
  ['host/not_found', 404],
  ['host/not_ready', 409],
  ['host/name_taken', 409],
  ['host/name_mismatch', 409],
  ['join_token/not_found', 404],
  ['join_token/wrong_host', 403],
  ['auth/token_expired', 401],
  ['container/not_found', 404],
  ['container/name_taken', 409],
  ['container/invalid_state', 409],
  ['container/not_running', 409],
  ['image/not_found', 404],
  ['registry_credential/not_found', 404],
  ['operation/not_found', 404],
  ['operation/result_mismatch', 409],
  ['network/not_found', 404],
  ['network/name_taken', 409],
  ['network/overlap', 409],
  ['network/in_use', 409],
  ['network/full', 409],
  ['security_group/not_found', 404],
  ['security_group/name_taken', 409],
  ['security_group/in_use', 409],
  ['security_rule/not_found', 404],
  ['fip/not_found', 404],
  ['fip/name_taken', 409],
  ['fip/in_use', 409],
  ['fip/pool_exhausted', 409],
  ['container/has_fip', 409],
  ['volume/not_found', 404],
  ['volume/name_taken', 409],
  ['volume/in_use', 409],
  ['volume/not_ready', 409],
  ['volume/host_conflict', 409],
  ['snapshot/not_found', 404],
  ['snapshot/name_taken', 409],
  ['snapshot/not_ready', 409],
  ['billing/past_due', 402],
  ['invoice/not_found', 404],
  ['webhook/invalid_signature', 400],
  ['idempotency/key_reused', 409],
  ['idempotency/in_progress', 409],
  ['idempotency/replay_unavailable', 409],
  ['capacity/unavailable', 409],
  ['quota/exceeded', 403],
  ['rate_limited', 429],
  ['internal', 500],
  ['unavailable', 503],
];

describe('ERROR_STATUS', () => {
  it.each(EXPECTED)('maps %s to %d', (code, status) => {
    expect(ERROR_STATUS[code]).toBe(status);
  });

  it('has exactly the expected codes', () => {
    expect([...ERROR_CODES].sort()).toEqual(EXPECTED.map(([c]) => c).sort());
    expect(Object.keys(ERROR_STATUS)).toHaveLength(EXPECTED.length);
  });

  it('uses only 4xx and 5xx statuses, 5xx only for internal and unavailable', () => {
    for (const code of ERROR_CODES) {
      const status = ERROR_STATUS[code];
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      if (status >= 500) expect(['internal', 'unavailable']).toContain(code);
    }
  });

  it('spells codes as lowercase area/reason (or a bare word)', () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z_]+(\/[a-z_]+)?$/);
  });
});

describe('isErrorCode', () => {
  it('accepts every code', () => {
    for (const code of ERROR_CODES) expect(isErrorCode(code)).toBe(true);
  });

  it.each([['nope'], ['Container/not_found'], ['toString'], ['__proto__'], [''], [404], [null], [undefined]])(
    'refuses %p',
    (v) => {
      expect(isErrorCode(v)).toBe(false);
    },
  );
});

describe('DomainError', () => {
  it('carries code, message, details and the status of its code', () => {
    const e = new DomainError('container/not_found', 'container ctr_x does not exist', { id: 'ctr_x' });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.name).toBe('DomainError');
    expect(e.code).toBe('container/not_found');
    expect(e.message).toBe('container ctr_x does not exist');
    expect(e.details).toEqual({ id: 'ctr_x' });
    expect(e.status).toBe(404);
    expect(e.stack).toContain('DomainError');
    expect(String(e)).toBe('DomainError: container ctr_x does not exist');
  });

  it('leaves details undefined when none are given', () => {
    expect(new DomainError('internal', 'boom').details).toBeUndefined();
  });

  it.each(EXPECTED)('reports status for %s as %d', (code, status) => {
    expect(new DomainError(code, 'm').status).toBe(status);
  });

  it('can be caught and told apart from other errors', () => {
    const thrower = (): never => {
      throw new DomainError('quota/exceeded', 'too many containers');
    };
    expect(thrower).toThrow(DomainError);
    expect(thrower).toThrow('too many containers');
    try {
      thrower();
    } catch (e) {
      expect(isDomainError(e)).toBe(true);
      if (isDomainError(e)) expect(e.status).toBe(403);
    }
  });
});

describe('isDomainError', () => {
  it.each([
    ['a plain Error', new Error('x')],
    ['a TypeError', new TypeError('x')],
    ['a look-alike object', { name: 'DomainError', code: 'internal', message: 'x', status: 500 }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'DomainError'],
  ])('is false for %s', (_what, value) => {
    expect(isDomainError(value)).toBe(false);
  });

  it('is true for a DomainError', () => {
    expect(isDomainError(new DomainError('unavailable', 'later'))).toBe(true);
  });
});
