/**
 * Revocations that must reach connections already open (Socket.io, `/ws/sessions`, SSE): a
 * request is authenticated once per request, a socket only when it opens. The auth services
 * publish here after the revocation committed; each realtime transport listens and closes the
 * connections the revocation covers.
 *
 * Access tokens are stateless JWTs: after logout-all, a password reset or the user's deletion, tokens
 * of that user issued before the revocation are refused for new connections too (for their remaining lifetime,
 * at most JWT_ACCESS_TTL_SECONDS), so a client cannot simply reconnect with the old token.
 *
 * In-process; in cluster mode the cluster module relays each revocation to the other nodes over
 * Redis pub/sub (at most once: a node that misses one closes its connections at the token's
 * expiry, and an API key's on its next authentication).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../common/auth-context.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export type Revocation =
  /** DELETE /api-keys/:id: every connection opened with that key. */
  | { kind: 'api-key'; apiKeyId: string }
  /** Logout-all, password reset: the user's access-token connections (ms since the epoch). */
  | { kind: 'user-tokens'; userId: string; at: number }
  /**
   * DELETE /users/:id: every connection acting as that user, whatever opened it (its access tokens,
   * an API key or a trusted x-user-id naming it). Its access tokens issued before `at` are refused;
   * a key or a bare id naming it is refused by the user lookup (the row is gone).
   */
  | { kind: 'user-deleted'; userId: string; at: number };

/** `relayed`: it came from another node (cluster mode), so it is not relayed again. */
export type RevocationListener = (revocation: Revocation, relayed: boolean) => void;

/** Whether a connection authenticated as `auth` falls under `revocation`. */
export function revokes(revocation: Revocation, auth: AuthContext): boolean {
  switch (revocation.kind) {
    case 'api-key':
      return auth.via === 'api-key' && auth.apiKeyId === revocation.apiKeyId;
    case 'user-tokens':
      return auth.via === 'jwt' && auth.userId === revocation.userId && (auth.tokenIssuedAtMs ?? 0) < revocation.at;
    case 'user-deleted':
      return auth.userId === revocation.userId;
  }
}

@Injectable()
export class CredentialRevocations {
  private readonly listeners = new Set<RevocationListener>();
  /** userId → when its access tokens were revoked; kept one access-token lifetime. */
  private readonly tokensRevokedAt = new Map<string, number>();
  private readonly keepMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keepMs = config.auth.accessTtlSeconds * 1000;
  }

  /** Listens to every revocation, local or relayed; returns the unsubscribe. */
  onRevoked(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a revocation (made here, or relayed from another node) to this node's connections. */
  publish(revocation: Revocation, relayed = false): void {
    if (revocation.kind === 'user-tokens' || revocation.kind === 'user-deleted') this.rememberTokens(revocation.userId, revocation.at);
    for (const listener of [...this.listeners]) listener(revocation, relayed);
  }

  /** Whether an access token of `userId` issued at `issuedAtMs` was revoked since. */
  tokenRevoked(userId: string, issuedAtMs: number): boolean {
    const at = this.tokensRevokedAt.get(userId);
    return at !== undefined && issuedAtMs < at;
  }

  private rememberTokens(userId: string, at: number): void {
    this.tokensRevokedAt.set(userId, Math.max(at, this.tokensRevokedAt.get(userId) ?? 0));
    const now = Date.now();
    for (const [id, when] of this.tokensRevokedAt) if (now - when > this.keepMs) this.tokensRevokedAt.delete(id);
  }
}
