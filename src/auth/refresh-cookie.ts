/**
 * The refresh token travels to browsers in an httpOnly cookie scoped to /auth: JavaScript cannot
 * read it, and it is only sent to the endpoints that use it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
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

/**
 * The body's token (non-browser clients) wins over the cookie. The cookie is only taken from the
 * app's own origin or an origin listed in CORS_ORIGINS: a page on another origin of the same site
 * (another port, a sibling subdomain) gets its POST through with the SameSite=Lax cookie even when
 * CORS keeps it from reading the answer, and must not spend (rotate) or revoke the token that way.
 * Browsers say where a request comes from in `Sec-Fetch-Site`; clients that do not send it are no
 * browsers (or predate it) and are not told apart.
 */
export function readRefreshToken(request: FastifyRequest, fromBody: string | undefined, config: AppConfig): string | undefined {
  if (fromBody !== undefined) return fromBody;
  const cookie = request.cookies?.[REFRESH_COOKIE];
  if (cookie === undefined) return undefined;
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-site' || site === 'cross-site') {
    const origin = request.headers.origin;
    const allowed = config.http.corsOrigins;
    if (allowed === true || !origin || !allowed.includes(origin)) {
      throw AppError.forbidden('The refresh cookie is only accepted from the app’s own origin or an origin listed in CORS_ORIGINS');
    }
  }
  return cookie;
}
