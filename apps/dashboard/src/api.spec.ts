import { describe, expect, it, jest } from '@jest/globals';
import { ApiError, createApi, describeError, errorFromResponse, parseNdjson, UnreachableError } from './api';

describe('errorFromResponse', () => {
  it('keeps the API message, code and request id', () => {
    const e = errorFromResponse(
      400,
      JSON.stringify({
        error: { code: 'request/invalid', message: 'period must be a month', requestId: 'req_1' },
      }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.requestId]).toEqual([
      400,
      'request/invalid',
      'period must be a month',
      'req_1',
    ]);
  });

  it('says something sensible when the body is not the API error shape', () => {
    const e = errorFromResponse(502, '<html>Bad gateway</html>');
    expect([e.code, e.message, e.requestId]).toEqual(['http/502', 'The API answered with status 502.', null]);
  });
});

describe('describeError', () => {
  it('puts failures in words', () => {
    expect(describeError(new ApiError(401, 'auth/unauthenticated', 'bad key', 'r'))).toBe(
      'That API key was not accepted.',
    );
    expect(describeError(new UnreachableError())).toMatch(/cannot be reached/);
    expect(describeError(new ApiError(500, 'internal', 'boom', 'req_9'))).toBe(
      'The API failed to answer (request req_9). Try again in a moment.',
    );
    expect(describeError(new ApiError(404, 'invoice/not_found', 'no invoice 2020-01', null))).toBe(
      'no invoice 2020-01.',
    );
  });
});

describe('parseNdjson', () => {
  it('reads one value a line and skips blank keep-alive lines', () => {
    expect(parseNdjson('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseNdjson('')).toEqual([]);
  });
});

describe('createApi', () => {
  const respond = (status: number, body: string) =>
    jest.fn((_input: string, _init: RequestInit) => Promise.resolve(new Response(body, { status })));

  it('sends the key as a bearer token, never in the URL', async () => {
    const fetch = respond(200, '{"ok":true}');
    const api = createApi('sk_test_123', () => undefined, fetch);
    await expect(api.json('/v1/usage/live')).resolves.toEqual({ ok: true });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/v1/usage/live');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer sk_test_123');
    expect(init.credentials).toBe('omit');
  });

  it('calls onUnauthorized on a 401 and throws the API error', async () => {
    const onUnauthorized = jest.fn();
    const body = JSON.stringify({ error: { code: 'auth/unauthenticated', message: 'no', requestId: 'r' } });
    const api = createApi('bad', onUnauthorized, respond(401, body));
    await expect(api.json('/v1/invoices')).rejects.toMatchObject({
      status: 401,
      code: 'auth/unauthenticated',
    });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('turns a failed fetch into UnreachableError', async () => {
    const api = createApi(
      'k',
      () => undefined,
      () => Promise.reject(new TypeError('fetch failed')),
    );
    await expect(api.json('/v1/usage/live')).rejects.toBeInstanceOf(UnreachableError);
  });

  it('reads NDJSON', async () => {
    const api = createApi('k', () => undefined, respond(200, '{"text":"a"}\n{"text":"b"}\n'));
    await expect(api.ndjson('/v1/containers/x/logs')).resolves.toEqual([{ text: 'a' }, { text: 'b' }]);
  });
});
