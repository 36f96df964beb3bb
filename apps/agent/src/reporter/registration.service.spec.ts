import { ApiError } from '../api-client/api-error';
import { RegistrationRefusedError, registrationNeedsOperator } from './registration.service';

describe('registrationNeedsOperator', () => {
  it('gives up on refusals only the operator can lift', () => {
    expect(registrationNeedsOperator(new ApiError(409, 'host/name_taken', 'taken'))).toBe(true);
    expect(registrationNeedsOperator(new ApiError(401, 'auth/token_expired', 'expired'))).toBe(true);
    expect(registrationNeedsOperator(new ApiError(403, 'join_token/wrong_host', 'other host'))).toBe(true);
    expect(registrationNeedsOperator(new RegistrationRefusedError('no identity, no join token'))).toBe(true);
  });

  it('keeps retrying while the API is away or busy', () => {
    expect(registrationNeedsOperator(new ApiError(503, 'unavailable', 'starting'))).toBe(false);
    expect(registrationNeedsOperator(new ApiError(429, 'rate_limited', 'slow down'))).toBe(false);
    expect(registrationNeedsOperator(new ApiError(500, 'internal', 'bug'))).toBe(false);
    expect(registrationNeedsOperator(new TypeError('fetch failed'))).toBe(false);
  });
});
