import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI document, built from the controllers and DTOs themselves so that it cannot drift. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('berth')
    .setDescription(
      'berth runs OCI images as microVMs and bills them per second. Errors are ' +
        '`{ "error": { "code", "message", "requestId" } }`; actions answer 202 with an operation.',
    )
    .setVersion('v1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
