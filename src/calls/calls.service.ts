/**
 * Calls to the tenant's sessions: `session.call` events (published by the live session), rejecting
 * a ringing call, and the per-tenant auto-reject with its once-per-caller-per-hour answer text.
 * Ringing calls are remembered in memory by the node that owns the session (a call rings for a
 * minute at most; a call older than RECENT_MS is no longer rejectable).
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { parseJid } from '../chats/chat-queries.js';
import { DomainEvents } from '../events/domain-events.js';
import type { CallSummary, DomainEvent } from '../events/event-map.js';
import { onAccount } from '../sessions/account-call.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import { CallSettingsEntity } from './call-settings.entity.js';
import type { CallSettingsResultDto, RejectedCallDto } from './calls.dto.js';

const RECENT_MS = 5 * 60_000;
/** WhatsApp's call ids are hex (32 digits today). */
const CALL_ID = /^[0-9A-Fa-f]{8,64}$/;
const ANSWER_EVERY_MS = 60 * 60_000;
const ENDED: ReadonlySet<CallSummary['status']> = new Set(['timeout', 'reject', 'accept', 'terminate']);

interface KnownCall {
  sessionId: string;
  call: CallSummary;
  seenAt: number;
}

@Injectable()
export class CallsService implements OnModuleInit, OnModuleDestroy {
  private readonly calls = new Map<string, KnownCall>();
  /** `${sessionId} ${caller}` → when the auto-reject text was last sent. */
  private readonly answered = new Map<string, number>();
  private off?: () => void;
  private readonly log: AppLogger;

  constructor(
    private readonly events: DomainEvents,
    private readonly registry: SessionRegistry,
    private readonly resolver: SessionResolver,
    @InjectRepository(CallSettingsEntity) private readonly settings: Repository<CallSettingsEntity>,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.log = logger.child({ module: 'calls' });
  }

  onModuleInit(): void {
    this.off = this.events.onCommit('session.call', (event) => this.onCalls(event));
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  async getSettings(auth: AuthContext): Promise<CallSettingsResultDto> {
    const row = await this.settings.findOneBy({ tenantId: auth.tenantId });
    return { autoReject: row?.autoReject ?? false, message: row?.message ?? null };
  }

  async setSettings(auth: AuthContext, autoReject: boolean, message: string | null | undefined): Promise<CallSettingsResultDto> {
    await this.settings.upsert({ tenantId: auth.tenantId, autoReject, message: message ?? null, updatedAt: new Date() }, ['tenantId']);
    return { autoReject, message: message ?? null };
  }

  /** POST /calls/:callId/reject: a call still ringing on one of the caller's tenant's sessions. */
  async reject(auth: AuthContext, sessionId: string | undefined, callId: string, from: string | undefined): Promise<RejectedCallDto> {
    // The session first: another tenant's session is a 404 whatever the call id.
    const session = await this.resolver.resolve(auth, sessionId);
    if (!CALL_ID.test(callId)) throw AppError.badRequest('callId must be a WhatsApp call id (hex)', [{ field: 'callId', errors: ['invalid call id'] }]);
    const known = this.calls.get(callId.toUpperCase());
    const caller = from === undefined ? undefined : parseJid(from);
    if (!known || known.sessionId !== session.id || Date.now() - known.seenAt > RECENT_MS) throw AppError.notFound('No such call ringing on this session');
    if (caller && caller !== known.call.from && caller !== (known.call.fromPhone ? `${known.call.fromPhone}@s.whatsapp.net` : null)) {
      throw AppError.notFound('No such call from this caller');
    }
    if (ENDED.has(known.call.status)) throw AppError.conflict(`The call is no longer ringing (${known.call.status})`, { status: known.call.status });
    await onAccount(this.registry, session, (wa) => wa.rejectCall(known.call.id, known.call.from));
    this.rejected(session.id, session.tenantId, known.call);
    return { id: known.call.id, from: known.call.from, status: 'reject' };
  }

  private onCalls(event: DomainEvent<'session.call'>): void {
    if (this.events.wasRelayed(event)) return;
    const now = Date.now();
    for (const [id, c] of this.calls) if (now - c.seenAt > RECENT_MS) this.calls.delete(id);
    for (const call of event.payload.calls) {
      const prev = this.calls.get(call.id.toUpperCase());
      this.calls.set(call.id.toUpperCase(), { sessionId: event.sessionId, call: prev && call.status !== 'offer' ? { ...prev.call, status: call.status } : call, seenAt: prev?.seenAt ?? now });
      if (call.status === 'offer' && !call.isGroup) void this.autoReject(event.sessionId, event.payload.tenantId, call);
    }
  }

  private async autoReject(sessionId: string, tenantId: string, call: CallSummary): Promise<void> {
    try {
      const settings = await this.settings.findOneBy({ tenantId });
      if (!settings?.autoReject) return;
      const live = this.registry.get(sessionId);
      if (!live?.isConnected) return;
      await live.accountCommands.rejectCall(call.id, call.from);
      this.rejected(sessionId, tenantId, call);
      if (!settings.message) return;
      const caller = call.fromPhone ? `${call.fromPhone}@s.whatsapp.net` : call.from;
      const key = `${sessionId} ${caller}`;
      const last = this.answered.get(key);
      if (last !== undefined && Date.now() - last < ANSWER_EVERY_MS) return;
      this.answered.set(key, Date.now());
      for (const [k, at] of this.answered) if (Date.now() - at >= ANSWER_EVERY_MS) this.answered.delete(k);
      await live.sendText(caller, settings.message);
    } catch (err) {
      this.log.warn({ err, sessionId, callId: call.id }, 'auto-rejecting a call failed');
    }
  }

  /** Our own rejection, reported as the call's next step (WhatsApp sends the rejecting device nothing). */
  private rejected(sessionId: string, tenantId: string, call: CallSummary): void {
    const known = this.calls.get(call.id.toUpperCase());
    if (known) known.call = { ...known.call, status: 'reject' };
    this.events.publish('session.call', sessionId, { tenantId, calls: [{ ...call, status: 'reject', at: new Date().toISOString() }] });
  }
}
