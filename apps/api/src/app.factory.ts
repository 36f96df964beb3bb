import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { LogController, type FastifyInstance } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ApiConfig } from '@berth/config';
import { DomainError } from '@berth/domain';
import { AppModule, type AppModuleOptions } from './app.module';
import { clientErrors, frameworkErrors, rejectNulBytes } from './common/request-guards';
import { MAX_BODY_BYTES } from './common/input-limits';
import { refuseHostileInput } from './common/refuse-hostile-input';
import { createValidationPipe } from './common/validation.pipe';
import { requestIdFor } from './common/request-id';
import { createRootLogger, PinoNestLogger } from './logger';
import { metrics } from './metrics/metrics.registry';
import { buildOpenApiDocument } from './openapi/openapi';
import { serveDashboard } from './dashboard/serve-dashboard';
import { installRateLimit } from './rate-limit/rate-limit.hook';
import * as path from 'node:path';

export interface BuiltApp {
  readonly app: NestFastifyApplication;
  /** Every route Fastify registered, as "METHOD /path", for the OpenAPI completeness test. */
  readonly routes: string[];
}

/** Builds the API (not yet listening): Fastify with request ids, JSON logs, metrics and the OpenAPI document. */
export async function buildApp(config: ApiConfig, opts: Partial<AppModuleOptions> = {}): Promise<BuiltApp> {
  const logger = createRootLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: MAX_BODY_BYTES,
    frameworkErrors,
    clientErrorHandler: clientErrors,
  });
  const routes: string[] = [];
  const fastify = adapter.getInstance();
  acceptJsonBodiesOnly(fastify);
  // Before authentication and body parsing: a refused request costs one Redis call and nothing else.
  installRateLimit(fastify, config);
  fastify.addHook('preValidation', refuseHostileInput);
  fastify.addHook('onRoute', (r) => {
    // A route that declared a larger body limit (`@InputLimits`) gets it from Fastify itself.
    const ownLimit = r.config?.bodyLimitBytes;
    if (ownLimit) r.bodyLimit = ownLimit;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  fastify.addHook('preHandler', rejectNulBytes);
  fastify.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config, {
      backgroundJobs: opts.backgroundJobs ?? true,
      overrides: opts.overrides ?? [],
    }),
    adapter,
    // Nest's own body parsers would also accept form bodies; the API speaks JSON only (see below).
    { logger: new PinoNestLogger(logger), bufferLogs: false, bodyParser: false },
  );
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  await app.init();
  const document = buildOpenApiDocument(app);
  fastify.get('/v1/openapi.json', (_req, reply) => reply.send(document));
  await serveDashboard(fastify, config.dashboardDir ?? path.resolve(__dirname, '../../../dashboard'));
  return { app, routes };
}

/**
 * Bodies are JSON or nothing: any other content type is `415`, instead of a form or a text body reaching
 * validation as something else. A body that is not JSON is `400 request/malformed`; the parser throws the
 * coded error itself because Nest turns Fastify's own parse errors into bare HTTP exceptions, losing their code.
 * Prototype-pollution keys are left to `refuseHostileInput` (the next step, before anything reads the
 * body), which refuses all of them at any depth with `request/forbidden_key`: the parser's own check would
 * miss some and could only say "not valid JSON".
 */
function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('ignore', 'ignore');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body: string, done) => {
    // Kept for the one reader that needs the exact bytes: Stripe's webhook signature covers them.
    (req as { rawBody?: string }).rawBody = body;
    // Fastify's default parser answers through the callback (it returns nothing to await).
    void parseJson(req, body, (err, value) => {
      if (!err) {
        done(null, value);
        return;
      }
      const message =
        body.length === 0
          ? 'the request body is empty but its content-type is application/json: send a JSON object, or no content-type'
          : 'the request body is not valid JSON';
      done(new DomainError('request/malformed', message), undefined);
    });
  });
}
