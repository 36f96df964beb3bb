import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI document, built from the controllers and DTOs themselves so that it cannot drift. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('berth')
    .setDescription(
      'berth runs OCI images as microVMs and bills them per second. Errors are ' +
        '`{ "error": { "code", "message", "requestId" } }`; actions answer 202 with an operation. ' +
        'Requests are rate limited per API key (and per address without one): over the limit, any route ' +
        'answers 429 `rate_limited` with a `Retry-After` header in seconds. Creates past a quota answer ' +
        '403 `quota/exceeded` with details `{limit, quota, usage, requested}` (see GET /v1/quotas).',
    )
    .setVersion('v1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
