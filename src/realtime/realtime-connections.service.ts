/**
 * The life of one socket: authentication (handshake, or the `authenticate` event within the
 * window), admission into its tenant's room with the snapshot, re-authentication, and the end of
 * its access token. Every disconnect by the server is preceded by an event that says why:
 * `unauthorized { code, message }` or `token-expired { code, message, expiredAt }`. A revoked
 * credential (API key revoked, logout-all, password reset) closes its sockets at
 * once with `unauthorized { code: "CREDENTIAL_REVOKED" }`. A user already at
 * REALTIME_MAX_CONNECTIONS_PER_USER gets `unauthorized { code: "TOO_MANY_CONNECTIONS" }`.
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AuthenticationService } from '../auth/authentication.service.js';
import { CredentialRevocations, revokes, type Revocation } from '../auth/credential-revocations.js';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { SessionStore } from '../sessions/session-store.js';
import { DomainEvents } from '../events/domain-events.js';
import { ConnectionLimits } from '../limits/connection-limits.js';
import { RealtimeBroadcaster } from './realtime-broadcaster.js';
import { RealtimeMetrics, type DisconnectCause } from './realtime-metrics.js';
import { snapshotEnvelopes, tenantRoom, type AuthenticatedPayload, type RealtimeSocket, type UnauthorizedPayload } from './realtime-protocol.js';
import { bareToken, handshakeCredential, type HandshakeCredential } from './socket-credentials.js';

interface Verified {
  auth: AuthContext;
  expiresAt: Date | null;
}

/** setTimeout's ceiling (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

@Injectable()
export class RealtimeConnections implements OnModuleInit, OnModuleDestroy {
  private readonly logger: AppLogger;
  /** Admitted sockets of both namespaces, for revocations. */
  private readonly ready = new Set<RealtimeSocket>();
  private stopRevocations?: () => void;

  constructor(
    private readonly authentication: AuthenticationService,
    private readonly sessions: SessionStore,
    private readonly broadcaster: RealtimeBroadcaster,
    private readonly events: DomainEvents,
    private readonly metrics: RealtimeMetrics,
    private readonly revocations: CredentialRevocations,
    private readonly limits: ConnectionLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'realtime' });
  }

  onModuleInit(): void {
    this.stopRevocations = this.revocations.onRevoked((revocation) => this.revoke(revocation));
  }

  onModuleDestroy(): void {
    this.stopRevocations?.();
  }

  async onConnect(socket: RealtimeSocket): Promise<void> {
    this.metrics.socketConnected();
    socket.data.phase = 'pending';
    const credential = handshakeCredential(socket.handshake, this.config.auth.trustUserIdHeader);
    if (credential.kind === 'none') {
      const windowMs = this.config.realtime.authTimeoutMs;
      socket.data.authTimer = setTimeout(() => {
        if (socket.data.phase !== 'ready') {
          this.reject(socket, 'auth_timeout', { code: 'AUTH_TIMEOUT', message: `No authentication within ${windowMs} ms: send { token } in the handshake auth, ?accessToken=, or the authenticate event` });
        }
      }, windowMs);
      return;
    }
    socket.data.phase = 'authenticating';
    let verified: Verified;
    try {
      verified = await this.verify(credential);
    } catch (err) {
      this.reject(socket, 'unauthorized', { code: 'UNAUTHORIZED', message: this.messageOf(err) });
      return;
    }
    await this.admit(socket, verified);
  }

  /** `authenticate { token }`: the first authentication, or a new token before the old one expires. */
  async onAuthenticate(socket: RealtimeSocket, payload: unknown): Promise<void> {
    // `{ token }` (seed 004); a bare string is taken as the token too.
    const token = bareToken(payload && typeof payload === 'object' ? (payload as { token?: unknown }).token : payload);
    const phase = socket.data.phase;
    if (phase === 'authenticating') {
      socket.emit('authenticated', { success: false, error: 'AUTH_IN_PROGRESS', message: 'An authentication is already in progress' });
      return;
    }
    if (typeof token !== 'string' || token === '') {
      this.failAuthenticate(socket, 'BAD_REQUEST', 'Send authenticate { token: "<access token>" }');
      return;
    }
    if (phase === 'pending') socket.data.phase = 'authenticating';
    let verified: Verified;
    try {
      verified = await this.authentication.verifyAccessToken(token);
    } catch (err) {
      if (phase === 'pending') socket.data.phase = 'pending';
      this.failAuthenticate(socket, 'UNAUTHORIZED', this.messageOf(err));
      return;
    }
    if (phase === 'pending') {
      await this.admit(socket, verified);
      return;
    }
    // Re-authentication of a ready socket: same user only (its rooms and subscriptions stay).
    const current = socket.data.auth;
    if (!current || current.userId !== verified.auth.userId) {
      socket.emit('authenticated', { success: false, error: 'FORBIDDEN', message: 'This socket is authenticated as another user: open a new connection' });
      return;
    }
    socket.data.auth = verified.auth;
    this.armExpiry(socket, verified.expiresAt);
    socket.emit('authenticated', successPayload(verified));
  }

  onDisconnect(socket: RealtimeSocket): void {
    this.ready.delete(socket);
    socket.data.releaseUser?.();
    clearTimeout(socket.data.authTimer);
    clearTimeout(socket.data.expiryTimer);
    this.metrics.socketClosed(socket.data.phase === 'ready');
  }

  private async verify(credential: Exclude<HandshakeCredential, { kind: 'none' }>): Promise<Verified> {
    if (credential.kind === 'token') {
      if (typeof credential.token !== 'string' || credential.token === '') throw AppError.unauthorized('Invalid access token');
      return this.authentication.verifyAccessToken(credential.token);
    }
    const { auth, expiresAt } = await this.authentication.authenticate(credential.source);
    return { auth, expiresAt };
  }

  /** Authenticated: joins the tenant's room after sending `authenticated` and the snapshot. */
  private async admit(socket: RealtimeSocket, verified: Verified): Promise<void> {
    if (socket.disconnected) return;
    const slot = this.limits.user(verified.auth.userId);
    if (!slot.ok) {
      this.reject(socket, 'too_many_connections', { code: 'TOO_MANY_CONNECTIONS', message: slot.refusal.message });
      return;
    }
    socket.data.releaseUser = slot.release;
    clearTimeout(socket.data.authTimer);
    socket.data.phase = 'ready';
    socket.data.auth = verified.auth;
    this.ready.add(socket);
    this.metrics.socketAuthenticated();
    this.armExpiry(socket, verified.expiresAt);
    socket.emit('authenticated', successPayload(verified));
    const { tenantId, userId } = verified.auth;
    try {
      await this.broadcaster.joinWithState(socket, tenantRoom(tenantId), async () => {
        const seqs = await this.events.lastSeqs(tenantId);
        const rows = await this.sessions.listForTenant(tenantId);
        return snapshotEnvelopes(tenantId, rows, new Date(), seqs).map((envelope) => ['session.snapshot', envelope] as const);
      });
      this.logger.debug({ socketId: socket.id, userId, tenantId, via: verified.auth.via }, 'socket authenticated');
    } catch (err) {
      this.logger.error({ err, socketId: socket.id, tenantId }, 'could not send the sessions snapshot');
      socket.emit('connection-error', { error: 'SNAPSHOT_FAILED', message: 'Could not load the sessions; reconnect' });
      this.metrics.serverDisconnect('snapshot_failed');
      socket.disconnect(true);
    }
  }

  private armExpiry(socket: RealtimeSocket, expiresAt: Date | null): void {
    clearTimeout(socket.data.expiryTimer);
    socket.data.expiresAt = expiresAt;
    if (!expiresAt) return;
    const wait = expiresAt.getTime() - Date.now();
    socket.data.expiryTimer = setTimeout(() => {
      if (socket.data.expiresAt !== expiresAt) return;
      if (expiresAt.getTime() > Date.now()) return this.armExpiry(socket, expiresAt);
      socket.emit('token-expired', {
        code: 'TOKEN_EXPIRED',
        message: 'The access token expired: refresh it and reconnect (send authenticate { token } before expiry to stay connected)',
        expiredAt: expiresAt.toISOString(),
      });
      this.metrics.serverDisconnect('token_expired');
      socket.disconnect(true);
    }, Math.max(0, Math.min(wait, MAX_TIMER_MS)));
  }

  private failAuthenticate(socket: RealtimeSocket, error: string, message: string): void {
    socket.emit('authenticated', { success: false, error, message });
    // A socket not yet admitted gets one chance; one that is keeps its current authentication.
    if (socket.data.phase !== 'ready') this.reject(socket, 'unauthorized', { code: 'UNAUTHORIZED', message });
  }

  /** A 401's own words; anything else is logged and not shown. */
  private messageOf(err: unknown): string {
    if (err instanceof AppError && err.code === 'UNAUTHORIZED') return err.message;
    this.logger.error({ err }, 'socket authentication failed unexpectedly');
    return 'Authentication failed';
  }

  private revoke(revocation: Revocation): void {
    for (const socket of [...this.ready]) {
      if (!socket.data.auth || !revokes(revocation, socket.data.auth)) continue;
      this.ready.delete(socket);
      this.reject(socket, 'credential_revoked', { code: 'CREDENTIAL_REVOKED', message: 'The credential this socket authenticated with was revoked' });
    }
  }

  private reject(socket: RealtimeSocket, cause: DisconnectCause, payload: UnauthorizedPayload): void {
    if (socket.disconnected) return;
    clearTimeout(socket.data.authTimer);
    socket.emit('unauthorized', payload);
    this.metrics.serverDisconnect(cause);
    this.logger.debug({ socketId: socket.id, code: payload.code }, 'socket rejected');
    socket.disconnect(true);
  }
}

function successPayload({ auth, expiresAt }: Verified): AuthenticatedPayload {
  return { success: true, userId: auth.userId, tenantId: auth.tenantId, role: auth.role, expiresAt: expiresAt ? expiresAt.toISOString() : null };
}

