/**
 * Revocations that must reach connections already open (Socket.io, `/ws/sessions`, SSE): a
 * request is authenticated once per request, a socket only when it opens. The auth services
 * publish here after the revocation committed; each realtime transport listens and closes the
 * connections the revocation covers.
 *
 * Access tokens are stateless JWTs: after logout-all, a password reset or the user's deletion, tokens
 * of that user issued before the revocation are refused for new connections too (for their remaining lifetime,
 * at most JWT_ACCESS_TTL_SECONDS), so a client cannot simply reconnect with the old token. That
 * refusal is checked here, in memory, on every request; it is also written to PostgreSQL in the
 * revoking transaction and loaded back at boot (access-token-refusals.ts), so a restart or a node
 * that starts later refuses those tokens too.
 *
 * In-process; in cluster mode the cluster module relays each revocation to the other nodes over
 * Redis pub/sub (at most once: a node that misses one closes its connections at the token's
 * expiry, and an API key's on its next authentication). A relayed revocation needs no database.
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
  /** userId → its access tokens issued before `at` are refused, until `until` (all of them have expired by then). */
  private readonly tokensRevoked = new Map<string, { at: number; until: number }>();
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
    if (revocation.kind === 'user-tokens' || revocation.kind === 'user-deleted') {
      this.refuseTokens(revocation.userId, revocation.at, revocation.at + this.keepMs);
    }
    for (const listener of [...this.listeners]) listener(revocation, relayed);
  }

  /**
   * A refusal stored before (loaded at boot): `userId`'s access tokens issued before `at` are
   * refused until `until`. No listener is told: it closes nothing, the connections it covered are gone.
   */
  restore(userId: string, at: number, until: number): void {
    this.refuseTokens(userId, at, until);
  }

  /** Whether an access token of `userId` issued at `issuedAtMs` was revoked since. */
  tokenRevoked(userId: string, issuedAtMs: number): boolean {
    const refused = this.tokensRevoked.get(userId);
    return refused !== undefined && issuedAtMs < refused.at;
  }

  private refuseTokens(userId: string, at: number, until: number): void {
    const known = this.tokensRevoked.get(userId);
    this.tokensRevoked.set(userId, { at: Math.max(at, known?.at ?? 0), until: Math.max(until, known?.until ?? 0) });
    const now = Date.now();
    for (const [id, refused] of this.tokensRevoked) if (refused.until < now) this.tokensRevoked.delete(id);
  }
}
