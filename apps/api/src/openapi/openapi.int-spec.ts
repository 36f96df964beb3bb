import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadApiConfig } from '@berth/config';
import { createTestDatabase } from '@berth/testing';
import { buildApp } from '../app.factory';

jest.setTimeout(60_000);

/** Routes that are deliberately left out of the public document (probes, scraping, the document itself). */
// The Stripe webhook is Stripe's, signed by Stripe, not part of the API tenants program against.
const UNDOCUMENTED = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /v1/openapi.json',
  'POST /v1/webhooks/stripe',
  // The dashboard's static files (apps/dashboard): a client of the API, not part of it.
  'GET /dashboard',
  'GET /dashboard/',
  'GET /dashboard/*',
]);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/**
 * `SwaggerParser.validate(structuredClone(doc))`, run in a plain Node process: swagger-parser needs
 * @apidevtools/json-schema-ref-parser, which is ESM only, and Jest's CommonJS runtime cannot require it
 * on Node 20 (Node itself can). Resolves with the validator's error message, or null when valid.
 */
function validateOpenApi(doc: unknown): Promise<string | null> {
  const script = `
    const SwaggerParser = require('@apidevtools/swagger-parser');
    let text = '';
    process.stdin.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => {
      const doc = JSON.parse(text);
      SwaggerParser.validate(structuredClone(doc)).then(
        () => process.stdout.write(JSON.stringify({ ok: true })),
        (err) => process.stdout.write(JSON.stringify({ ok: false, message: String(err && err.message) })),
      );
    });`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-e', script],
      { cwd: __dirname, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`validator failed: ${err.message}\n${stderr}`));
        const out = JSON.parse(stdout) as { ok: boolean; message?: string };
        resolve(out.ok ? null : (out.message ?? 'invalid'));
      },
    );
    child.stdin!.end(JSON.stringify(doc));
  });
}

/** Fastify's ':param' as OpenAPI's '{param}'. */
function toOpenApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The OpenAPI document against the routes Fastify really registered: it must be a valid OpenAPI
 * document, and every public route must be in it, so that clients generated from it see the whole API.
 */
describe('OpenAPI document (in-process api)', () => {
  let app: NestFastifyApplication;
  let routes: string[];
  let dropDatabase: () => Promise<void> = () => Promise.resolve();
  let doc: any;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    const config = loadApiConfig({
      DATABASE_URL: db.url,
      REDIS_URL: process.env.BERTH_TEST_REDIS_URL!,
      BERTH_QUEUE_PREFIX: `oa${randomBytes(4).toString('hex')}`,
      BERTH_OPERATOR_TOKEN: randomBytes(16).toString('hex'),
      BERTH_AGENT_JOIN_TOKEN: randomBytes(16).toString('hex'),
      BERTH_LOG_LEVEL: 'warn',
    });
    ({ app, routes } = await buildApp(config, { backgroundJobs: false }));
    await app.getHttpAdapter().getInstance().ready();
    const res = await app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    doc = res.json();
  });

  afterAll(async () => {
    await app?.close();
    await dropDatabase();
  });

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(await validateOpenApi(doc)).toBeNull();
  });

  it('documents every route the api registered', () => {
    const documented = new Set<string>();
    for (const [p, item] of Object.entries<Record<string, unknown>>(doc.paths ?? {})) {
      for (const m of HTTP_METHODS) if (item[m]) documented.add(`${m.toUpperCase()} ${p}`);
    }
    const expected = routes
      .filter((r) => {
        const [method, url] = r.split(' ');
        return method !== 'OPTIONS' && method !== 'HEAD' && url !== '*' && !UNDOCUMENTED.has(r);
      })
      .map((r) => {
        const [method, url] = r.split(' ');
        return `${method} ${toOpenApiPath(url!)}`;
      });
    // Sanity: the route list is real, not empty (a broken onRoute hook would make this test vacuous).
    expect(expected).toEqual(
      expect.arrayContaining([
        'POST /v1/containers',
        'GET /v1/containers/{ref}',
        'GET /v1/operations/{id}',
        'POST /v1/admin/tenants',
        'POST /v1/agent/register',
        'POST /v1/agent/operations/{operationId}/claim',
        'POST /v1/agent/operations/{operationId}/result',
      ]),
    );
    const missing = [...new Set(expected)].filter((r) => !documented.has(r)).sort();
    expect(missing).toEqual([]);
  });

  it('documents no route that does not exist, and leaves out the probes', () => {
    const registered = new Set(
      routes.map((r) => r.replace(/ (.*)$/, (_m, u: string) => ` ${toOpenApiPath(u)}`)),
    );
    for (const [p, item] of Object.entries<Record<string, unknown>>(doc.paths ?? {})) {
      for (const m of HTTP_METHODS) {
        if (item[m]) expect(registered).toContain(`${m.toUpperCase()} ${p}`);
      }
    }
    for (const r of UNDOCUMENTED) expect(Object.keys(doc.paths)).not.toContain(r.split(' ')[1]);
  });

  it('declares the bearer auth scheme, and the authenticated routes use it', () => {
    const schemes = doc.components?.securitySchemes ?? {};
    const bearer = Object.entries<any>(schemes).find(([, s]) => s.type === 'http' && s.scheme === 'bearer');
    expect(bearer).toBeDefined();
    const name = bearer![0];
    const tenantRoute = doc.paths['/v1/containers/{ref}'].get;
    expect(tenantRoute.security).toEqual(expect.arrayContaining([{ [name]: [] }]));
  });
});
