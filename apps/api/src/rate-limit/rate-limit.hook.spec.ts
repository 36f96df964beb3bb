import type { FastifyRequest } from 'fastify';
import { rateLimitSubject } from './rate-limit.hook';

const req = (url: string, authorization?: string) =>
  ({ url, ip: '192.0.2.1', headers: authorization ? { authorization } : {} }) as unknown as FastifyRequest;

describe('rateLimitSubject', () => {
  it('counts a bearer token against its own bucket', () => {
    expect(rateLimitSubject(req('/v1/containers?limit=1', 'Bearer bk_abc_def'))).toEqual({
      kind: 'token',
      token: 'bk_abc_def',
      address: '192.0.2.1',
    });
  });

  it('counts a request without one (or with a malformed header) against its address', () => {
    for (const auth of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer ']) {
      expect(rateLimitSubject(req('/v1/containers', auth))).toEqual({
        kind: 'anonymous',
        address: '192.0.2.1',
      });
    }
  });

  it('leaves probes, metrics, the OpenAPI document and the dashboard out', () => {
    for (const url of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/v1/openapi.json',
      '/dashboard',
      '/dashboard/app.js',
    ]) {
      expect(rateLimitSubject(req(url, 'Bearer bk_x'))).toBeNull();
    }
    // Only those paths: a look-alike is counted.
    expect(rateLimitSubject(req('/dashboards'))).toMatchObject({ kind: 'anonymous' });
    expect(rateLimitSubject(req('/healthz/x'))).toMatchObject({ kind: 'anonymous' });
  });

  it("meters no agent route, but keeps them under the address's failed-authentication check", () => {
    expect(rateLimitSubject(req('/v1/agent/heartbeat', 'Bearer bh_x'))).toEqual({
      kind: 'unmetered',
      address: '192.0.2.1',
    });
  });
});
