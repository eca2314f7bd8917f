/**
 * CORS for Socket.io's HTTP long-polling requests, with the same allowed origins as the REST API
 * (CORS_ORIGINS), and the same rule: with `*` no `Access-Control-Allow-Credentials`. Socket.io
 * answers its own path before Fastify sees it, so @fastify/cors does not apply there. WebSocket
 * upgrades are not subject to CORS; authentication is by token, never a cookie, so a foreign
 * origin gains nothing from a socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type EngineMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => void;

export function socketCors(allowed: string[] | true): EngineMiddleware {
  const origins = allowed === true ? null : new Set(allowed);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && (origins === null || origins.has(origin))) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      // As on the REST API: `*` (any origin) never comes with credentials; listed origins do.
      if (origins !== null) res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-api-key, x-user-id');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204);
      res.end();
      return;
    }
    next();
  };
}
