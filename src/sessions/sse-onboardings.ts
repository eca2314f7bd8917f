/**
 * Seed 000's SSE onboardings, each outliving the HTTP stream that started it: every message is
 * kept with an SSE `id` (`<sessionId>:<n>`), so a client that reconnects with `Last-Event-ID`
 * gets what it missed, then the live messages, on the same session. A client gone longer than
 * SSE_RESUME_GRACE_MS before the scan cancels the session; a reconnect to an onboarding that has
 * ended (or that this process does not know) is answered 204, which stops a native EventSource.
 * A stream whose credential is revoked (API key revoked, logout-all, password reset)
 * ends at once; its onboarding then waits SSE_RESUME_GRACE_MS for a client with a valid credential.
 * Each open stream counts against the realtime connection caps (src/limits): over one, a 429.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CredentialRevocations, revokes, type Revocation } from '../auth/credential-revocations.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import { ConnectionLimits, tooManyConnections } from '../limits/connection-limits.js';
import type { DomainEvent } from '../events/event-map.js';
import { SessionsService } from './sessions.service.js';
import { toSseMessage } from './sse-messages.js';

const STREAM_EVENTS = ['session.qr.updated', 'session.pairing-code', 'session.status.changed', 'session.deleted'] as const;

/**
 * A comment line without the blank line that would end an event: both fetch-event-source 2.0.1
 * (which dispatches every blank line, even one that only follows a comment) and EventSource skip it.
 */
const HEARTBEAT = ': heartbeat\n';

interface Stream {
  raw: ServerResponse;
  /** Who opened this stream (a resumed onboarding may be another credential than its creator's). */
  auth: AuthContext;
  heartbeat: NodeJS.Timeout;
}

interface Onboarding {
  sessionId: string;
  tenantId: string;
  /** Every message sent so far; message n has the SSE id `<sessionId>:<n>` (1-based). */
  log: string[];
  stream?: Stream;
  created: boolean;
  paired: boolean;
  graceTimer?: NodeJS.Timeout;
  /** `?phoneNumber=`: a pairing code is asked for at the first QR, and sent in place of the QRs. */
  pairing?: { auth: AuthContext; phoneNumber: string; requested: boolean };
  /** An `open` without a profile name, held up to WA_PROFILE_NAME_WAIT_MS for the name. */
  heldOpen?: { data: Record<string, unknown>; timer: NodeJS.Timeout };
}

@Injectable()
export class SseOnboardings implements OnModuleInit, BeforeApplicationShutdown {
  private readonly live = new Map<string, Onboarding>();
  private readonly logger: AppLogger;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly sessions: SessionsService,
    private readonly events: DomainEvents,
    private readonly revocations: CredentialRevocations,
    private readonly limits: ConnectionLimits,
  ) {
    this.logger = logger.child({ module: 'sse' });
  }

  onModuleInit(): void {
    for (const type of STREAM_EVENTS) this.unsubscribe.push(this.events.onCommit(type, (event) => this.onEvent(event)));
    this.unsubscribe.push(this.revocations.onRevoked((revocation) => this.revoke(revocation)));
  }

  /** Answers `GET /sessions/add-sse`: a new onboarding, a resumed one, or 204. */
  async open(auth: AuthContext, lastEventId: string | undefined, reply: FastifyReply, phoneNumber?: string): Promise<void> {
    if (phoneNumber !== undefined && !/^\d{6,15}$/.test(phoneNumber)) {
      throw AppError.badRequest('phoneNumber must be 6 to 15 digits with the country code (no "+")', [{ field: 'phoneNumber', errors: ['invalid phone number'] }]);
    }
    if (lastEventId !== undefined) {
      const onboarding = this.resumable(auth, lastEventId);
      if (!onboarding) {
        await reply.status(204).send();
        return;
      }
      this.admitStream(auth, reply);
      this.attach(onboarding, auth, reply, Number(lastEventId.split(':')[1]));
      return;
    }
    this.admitStream(auth, reply);
    const onboarding: Onboarding = { sessionId: randomUUID(), tenantId: auth.tenantId, log: [], created: false, paired: false };
    if (phoneNumber !== undefined) onboarding.pairing = { auth, phoneNumber, requested: false };
    this.live.set(onboarding.sessionId, onboarding);
    this.attach(onboarding, auth, reply, 0);
    this.send(onboarding, { sessionId: onboarding.sessionId });
    try {
      await this.sessions.create(auth, onboarding.sessionId, 'sse');
      onboarding.created = true;
      if (!onboarding.stream && !onboarding.graceTimer) this.cancel(onboarding);
    } catch (err) {
      // A refused start (the tenant's session cap) is the caller's 4xx, not a failure of ours.
      const refused = err instanceof AppError && err.getStatus() < 500;
      if (refused) this.logger.info({ sessionId: onboarding.sessionId, code: err.code }, 'onboarding refused');
      else this.logger.error({ err, sessionId: onboarding.sessionId }, 'could not start an onboarding');
      this.send(onboarding, { connection: 'close', sessionId: onboarding.sessionId, reason: 'max_retries_reached', statusCode: refused ? err.getStatus() : 500 });
      this.finish(onboarding);
    }
  }

  /**
   * A stream counts against the realtime connection caps until its response closes (whatever ends
   * it: the final message, the client, a reset, a revocation); over a cap it is a 429, nothing created.
   */
  private admitStream(auth: AuthContext, reply: FastifyReply): void {
    const connection = this.limits.open(reply.request.ip);
    if (!connection.ok) throw tooManyConnections(connection.refusal);
    const user = this.limits.user(auth.userId);
    if (!user.ok) {
      connection.release();
      throw tooManyConnections(user.refusal);
    }
    reply.raw.once('close', () => {
      connection.release();
      user.release();
    });
  }

  /** Open streams would keep the HTTP server from closing. */
  beforeApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const onboarding of [...this.live.values()]) {
      clearTimeout(onboarding.graceTimer);
      clearTimeout(onboarding.heldOpen?.timer);
      this.detach(onboarding);
    }
    this.live.clear();
  }

  private resumable(auth: AuthContext, lastEventId: string): Onboarding | undefined {
    const [sessionId, seq] = lastEventId.split(':');
    const onboarding = sessionId ? this.live.get(sessionId) : undefined;
    if (!onboarding || !/^\d+$/.test(seq ?? '') || Number(seq) > onboarding.log.length) return undefined;
    return onboarding.tenantId === auth.tenantId || auth.role === 'admin' ? onboarding : undefined;
  }

  private attach(onboarding: Onboarding, auth: AuthContext, reply: FastifyReply, after: number): void {
    clearTimeout(onboarding.graceTimer);
    onboarding.graceTimer = undefined;
    this.detach(onboarding);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const stream: Stream = { raw, auth, heartbeat: setInterval(() => raw.write(HEARTBEAT), this.config.whatsapp.sseHeartbeatMs) };
    onboarding.stream = stream;
    for (let n = after; n < onboarding.log.length; n += 1) raw.write(onboarding.log[n]);
    raw.on('close', () => {
      if (onboarding.stream !== stream) return;
      this.detach(onboarding);
      if (this.live.get(onboarding.sessionId) === onboarding) this.awaitReturn(onboarding);
    });
  }

  private revoke(revocation: Revocation): void {
    for (const onboarding of this.live.values()) {
      if (!onboarding.stream || !revokes(revocation, onboarding.stream.auth)) continue;
      this.detach(onboarding);
      this.awaitReturn(onboarding);
    }
  }

  /** The client is gone: it has SSE_RESUME_GRACE_MS to come back before an unscanned session is cancelled. */
  private awaitReturn(onboarding: Onboarding): void {
    onboarding.graceTimer = setTimeout(() => {
      onboarding.graceTimer = undefined;
      if (onboarding.stream) return;
      if (!onboarding.paired) {
        // Before the session exists there is nothing to cancel yet: it is cancelled once created.
        if (onboarding.created) this.cancel(onboarding);
        return;
      }
      // Paired: the session goes on by itself; the messages are kept until its final one.
    }, this.config.whatsapp.sseResumeGraceMs);
  }

  private onEvent(event: DomainEvent): void {
    const onboarding = this.live.get(event.sessionId);
    if (!onboarding) return;
    if (event.type === 'session.status.changed' && (event as DomainEvent<'session.status.changed'>).payload.phone) onboarding.paired = true;
    if (event.type === 'session.qr.updated' && onboarding.pairing) return this.requestPairingCode(onboarding, onboarding.pairing);
    const step = toSseMessage(event);
    if (!step) return;
    if (step.data?.connection === 'open' && this.holdOpen(onboarding, step.data)) return;
    if (onboarding.heldOpen) clearTimeout(onboarding.heldOpen.timer);
    if (step.data) this.send(onboarding, step.data);
    if (step.final) this.finish(onboarding);
  }

  /** At the first QR (the socket is then ready), once; the code arrives as `session.pairing-code`. */
  private requestPairingCode(onboarding: Onboarding, pairing: NonNullable<Onboarding['pairing']>): void {
    if (pairing.requested) return;
    pairing.requested = true;
    this.sessions.requestPairingCode(pairing.auth, onboarding.sessionId, pairing.phoneNumber).catch((err: unknown) => {
      this.logger.warn({ err, sessionId: onboarding.sessionId }, 'could not get a pairing code');
      if (this.live.get(onboarding.sessionId) !== onboarding) return;
      const statusCode = err instanceof AppError ? err.getStatus() : 500;
      this.send(onboarding, { connection: 'close', sessionId: onboarding.sessionId, reason: 'max_retries_reached', statusCode });
      this.finish(onboarding);
      this.cancel(onboarding);
    });
  }

  /** Holds a nameless `open` (true) until the name's status event or the wait runs out. */
  private holdOpen(onboarding: Onboarding, data: Record<string, unknown>): boolean {
    const waitMs = this.config.whatsapp.profileNameWaitMs;
    if (data.deviceName !== null || onboarding.heldOpen || waitMs === 0) return false;
    const timer = setTimeout(() => {
      if (this.live.get(onboarding.sessionId) !== onboarding) return;
      this.send(onboarding, data);
      this.finish(onboarding);
    }, waitMs);
    onboarding.heldOpen = { data, timer };
    return true;
  }

  private send(onboarding: Onboarding, data: Record<string, unknown>): void {
    const frame = `id: ${onboarding.sessionId}:${onboarding.log.length + 1}\ndata: ${JSON.stringify(data)}\n\n`;
    onboarding.log.push(frame);
    onboarding.stream?.raw.write(frame);
  }

  /** The final message was sent: the stream ends, and a reconnect is told 204. */
  private finish(onboarding: Onboarding): void {
    clearTimeout(onboarding.graceTimer);
    clearTimeout(onboarding.heldOpen?.timer);
    this.live.delete(onboarding.sessionId);
    this.detach(onboarding);
  }

  private detach(onboarding: Onboarding): void {
    const stream = onboarding.stream;
    if (!stream) return;
    onboarding.stream = undefined;
    clearInterval(stream.heartbeat);
    stream.raw.end();
  }

  private cancel(onboarding: Onboarding): void {
    this.live.delete(onboarding.sessionId);
    this.sessions.cancelPending(onboarding.sessionId).catch((err: unknown) => this.logger.error({ err, sessionId: onboarding.sessionId }, 'could not cancel an abandoned onboarding'));
  }
}
