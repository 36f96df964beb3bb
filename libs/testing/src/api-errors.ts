import type { HttpResult } from './http-client';

export interface ErrorExpectations {
  /** The message must be longer than this: a sentence, not a bare word. */
  readonly messageLongerThan?: number;
}

/**
 * An error answer as DESIGN.md "Errors" promises it: this status and this code, a message, and the
 * request id the `x-request-id` header names (so a user can quote it and an operator find the log line).
 */
export function expectError(
  res: HttpResult,
  status: number,
  code: string,
  expected: ErrorExpectations = {},
): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  if (expected.messageLongerThan !== undefined) {
    expect(res.body.error.message.length).toBeGreaterThan(expected.messageLongerThan);
  }
  expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
}
