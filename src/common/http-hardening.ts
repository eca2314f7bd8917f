/**
 * What stands between raw HTTP input and the app, so that no input gets a 5xx or a body outside
 * the one error shape: a JSON parser that refuses deep nesting before anything walks the value,
 * and the handlers for the errors Fastify raises before a route runs (bad URL encoding, a path
 * parameter over the limit, oversized headers, unparsable requests).
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBodyParser, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, codeForStatus, type ErrorBody } from './app-error.js';

/** Deeper JSON is refused with 400: no API body nests beyond a handful of levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of arrays and objects in a JSON text, found by scanning its characters
 * (strings skipped), so that a 5,000-deep body costs one pass and no parse. Stops counting once
 * past `limit`.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

/** Fastify's own JSON parser (prototype-poisoning checks included) behind the depth limit. */
export function createJsonBodyParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    const text = body.toString('utf8');
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      done(AppError.badRequest(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    void parseJson(request, text, done);
  };
}

/**
 * Route config (`@RouteConfig(MEDIA_JSON_BODY)`) of JSON routes that carry a file as base64 (the
 * sandbox's contact media): their body limit is the largest media kind's, base64-encoded, plus
 * room for the rest of the body, instead of BODY_LIMIT_BYTES.
 */
export const MEDIA_JSON_BODY = { mediaJsonBody: true } as const;

export function mediaJsonBodyLimit(largestMediaBytes: number): number {
  return Math.ceil(largestMediaBytes / 3) * 4 + 64 * 1024;
}

/** Applies MEDIA_JSON_BODY's limit to the routes that declare it (call before routes are registered). */
export function applyMediaJsonBodyLimit(fastify: FastifyInstance, largestMediaBytes: number): void {
  fastify.addHook('onRoute', (route) => {
    if ((route.config as { mediaJsonBody?: boolean } | undefined)?.mediaJsonBody) route.bodyLimit = mediaJsonBodyLimit(largestMediaBytes);
  });
}

/**
 * Route config (`@RouteConfig(NO_HEAD)`) of GET routes that act (open an onboarding, create a
 * session). Fastify answers HEAD on every GET route by running its handler and dropping the body:
 * for these that would create a session and, for a stream, hang. HEAD there is a 405 instead,
 * before authentication or any handler runs.
 */
export const NO_HEAD = { noHead: true } as const;

export function refuseHeadOnActingRoutes(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'HEAD' || !(request.routeOptions.config as { noHead?: boolean } | undefined)?.noHead) return;
    const message = 'HEAD is not allowed here: GET this resource (it starts something)';
    await reply.status(405).header('allow', 'GET').header('x-request-id', request.id).send(errorBody(405, message, String(request.id)));
  });
}

/**
 * CSP's `upgrade-insecure-requests` only on requests that came over HTTPS (or, behind a proxy the
 * app trusts, with `X-Forwarded-Proto: https`). On plain HTTP it makes the browser fetch the
 * console's own scripts and styles over https://, which fails at any host but localhost: a blank page.
 */
export function upgradeInsecureRequestsBehindHttps(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.protocol !== 'https') return payload;
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string' && !/(^|;)\s*upgrade-insecure-requests\s*(;|$)/.test(csp)) {
      void reply.header('content-security-policy', `${csp};upgrade-insecure-requests`);
    }
    return payload;
  });
}

const FRAMEWORK_MESSAGES: Record<string, { status: number; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, message: 'The URL is not correctly percent-encoded' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, message: 'A path parameter is too long' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, message: 'The request does not match any route constraint' },
};

function errorBody(status: number, message: string, requestId: string): ErrorBody {
  return { success: false, error: { code: codeForStatus(status), message }, message, requestId };
}

/** Fastify's `frameworkErrors`: routing failures rendered in the one error shape. */
export function onFrameworkError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const known = (error.code && FRAMEWORK_MESSAGES[error.code]) || { status: 400, message: 'Bad request' };
  request.log.debug({ code: error.code }, 'request refused by the router');
  void reply
    .status(known.status)
    .header('x-request-id', request.id)
    .send(errorBody(known.status, known.message, String(request.id)));
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects (headers over the limit,
 * malformed request lines, timeouts) answered in the one error shape before the socket closes.
 */
export function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431 ? 'The request headers (or URL) are too large' : status === 408 ? 'The request took too long to arrive' : 'Malformed HTTP request';
  const requestId = randomUUID();
  const body = JSON.stringify(errorBody(status, message, requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
