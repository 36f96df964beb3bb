import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ApiConfig } from '@berth/config';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/validation.pipe';
import { requestIdFor } from './common/request-id';
import { createRootLogger, PinoNestLogger } from './logger';
import { metrics } from './metrics/metrics.registry';
import { buildOpenApiDocument } from './openapi/openapi';

export interface BuiltApp {
  readonly app: NestFastifyApplication;
  /** Every route Fastify registered, as "METHOD /path", for the OpenAPI completeness test. */
  readonly routes: string[];
}

/** Builds the API (not yet listening): Fastify with request ids, JSON logs, metrics and the OpenAPI document. */
export async function buildApp(
  config: ApiConfig,
  opts: { backgroundJobs?: boolean } = {},
): Promise<BuiltApp> {
  const logger = createRootLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: 1024 * 1024,
  });
  const routes: string[] = [];
  const fastify = adapter.getInstance();
  fastify.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  fastify.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config, { backgroundJobs: opts.backgroundJobs ?? true }),
    adapter,
    { logger: new PinoNestLogger(logger), bufferLogs: false },
  );
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  await app.init();
  const document = buildOpenApiDocument(app);
  fastify.get('/v1/openapi.json', (_req, reply) => reply.send(document));
  return { app, routes };
}
