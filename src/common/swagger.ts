import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const API_KEY_SCHEME = 'api-key';
export const BEARER_SCHEME = 'bearer';

/** Swagger UI at /docs, the OpenAPI document at /docs-json. */
export function setupSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('WhatsApp Orchestrator')
      .setDescription(
        'Keeps many WhatsApp accounts connected through Baileys. Errors always have the shape ' +
          '`{ success: false, error: { code, message, details? }, requestId }`. Authenticate with a bearer access ' +
          'token (`POST /auth/login`) or, service to service, with `x-api-key` (plus `x-user-id` to act for a user).',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, API_KEY_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
