/**
 * The refresh token travels to browsers in an httpOnly cookie scoped to /auth: JavaScript cannot
 * read it, and it is only sent to the endpoints that use it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';

export const REFRESH_COOKIE = 'refresh_token';
const COOKIE_PATH = '/auth';

export function setRefreshCookie(reply: FastifyReply, token: string, expiresAt: Date, config: AppConfig): void {
  void reply.setCookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.env === 'production',
    path: COOKIE_PATH,
    expires: expiresAt,
  });
}

export function clearRefreshCookie(reply: FastifyReply, config: AppConfig): void {
  void reply.clearCookie(REFRESH_COOKIE, { httpOnly: true, sameSite: 'lax', secure: config.env === 'production', path: COOKIE_PATH });
}

/** The body's token (non-browser clients) wins over the cookie. */
export function readRefreshToken(request: FastifyRequest, fromBody: string | undefined): string | undefined {
  return fromBody ?? request.cookies?.[REFRESH_COOKIE];
}
