import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PUBLIC_EVENT_TYPES } from '../events/event-map.js';

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
          '`{ success: false, error: { code, message, details? }, message, requestId }` (the top-level `message` repeats `error.message`). Authenticate with a bearer access ' +
          'token (`POST /auth/login`) or, service to service, with `x-api-key` (plus `x-user-id` to act for a user).\n\n' +
          '**Realtime (Socket.io, not describable in OpenAPI):** namespace `/sessions` on this port (and the same on the default namespace, for seed 004 clients). Authenticate with ' +
          '`handshake.auth.token`, `?accessToken=`, or by sending `authenticate { token }` within 10 s (answered `authenticated ' +
          '{ success }`); failures get `unauthorized { code, message }` then a disconnect, and an expiring token `token-expired` ' +
          'unless renewed with `authenticate`. A socket sees its own tenant only: `session.snapshot` per session on connect, then ' +
          `the seed 002 events, each under its own name (${PUBLIC_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}), emitted after the change they ` +
          'report is committed, in the envelope `{ type, sessionId, eventId, occurredOn, payload }`. The same envelopes, `session.snapshot` first, ' +
          'arrive as JSON text frames on the plain WebSocket `/ws/sessions?accessToken=<token>`. Seed 004: `subscribe-session` / `request-qr { instance_id }` → ' +
          '`session-status`, `qr-code { qr, expiresAt }`, `qr-expired`, `connection-error { error, message }`. Details in the README.',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, API_KEY_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
