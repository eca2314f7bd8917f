/**
 * Socket.io namespace /sessions: reconnects by itself (socket.io-client's backoff), refetches the
 * sessions (and the open chats) on every (re)connect, and re-authenticates the open socket when the token is refreshed.
 * A server-side disconnect (expired or rejected token) is not retried by socket.io-client, so it
 * refreshes the token first and reconnects.
 */
import { io, type Socket } from 'socket.io-client';
import { getToken, onAuthChange, refresh } from './api.js';
import { chatStore, type ChatStateUpdate, type MediaSummary } from './chat-store.js';
import type { MessageStatus } from './chats-api.js';
import { onCalls, type CallSummary } from './call-toast.js';
import { listenGroups } from './group-store.js';
import { onQueueChanged } from './pacing.js';
import type { PollVote } from './poll-results.js';
import { loadSession, loadSessions } from './sessions-api.js';
import { store, type Session, type SessionStatus } from './store.js';

interface Envelope<P> {
  type: string;
  sessionId: string | null;
  payload: P;
}

const digits = (phone: string | null | undefined): string | null => (phone ? phone.replace(/\D/g, '') : null);

export function connectRealtime(): () => void {
  const base = new URL('.', location.href);
  const socket: Socket = io(`${base.origin}/sessions`, {
    path: `${base.pathname}socket.io`,
    auth: (cb) => cb({ token: getToken() ?? '' }),
  });
  const subscribe = (id: string) => socket.emit('subscribe-session', { instance_id: id });

  socket.on('connect', () => {
    store.setLive(true);
    void loadSessions().then((sessions) => sessions.forEach((s) => subscribe(s.id)));
    chatStore.refetchAll();
  });
  socket.on('disconnect', (reason) => {
    store.setLive(false);
    if (reason === 'io server disconnect') void refresh().then((ok) => ok && socket.connect());
  });

  socket.on('session.snapshot', (e: Envelope<{ session: Session | null }>) => {
    if (!e.payload.session) return;
    store.patch(e.payload.session.id, e.payload.session);
    subscribe(e.payload.session.id);
  });
  socket.on('session.created', (e: Envelope<{ id: string; status: SessionStatus; createdAt: string }>) => {
    store.patch(e.payload.id, { status: e.payload.status, createdAt: e.payload.createdAt });
    subscribe(e.payload.id);
  });
  socket.on('session.qr.updated', (e: Envelope<{ qr: string; expiresAt: string | null }>) => {
    if (e.sessionId) store.patch(e.sessionId, { qr: e.payload.qr, qrExpiresAt: e.payload.expiresAt, status: 'qr_required' });
  });
  socket.on('session.status.connected', (e: Envelope<{ phone: string | null }>) => {
    if (!e.sessionId) return;
    store.patch(e.sessionId, { status: 'connected', phone: digits(e.payload.phone), qr: null, lastError: null });
    void loadSessions();
  });
  socket.on('session-status', (e: { instance_id: string; status: SessionStatus; phoneNumber: string | null; reason: string | null }) => {
    const patch: Partial<Session> = { status: e.status, disconnectedReason: e.reason ?? null };
    if (e.phoneNumber) patch.phone = digits(e.phoneNumber);
    if (e.status !== 'qr_required') patch.qr = null;
    store.patch(e.instance_id, patch);
    // The profile name can arrive after the open (announced as another status event): read it.
    if (e.status === 'connected') void loadSession(e.instance_id).catch(() => undefined);
  });
  socket.on('qr-code', (e: { instance_id: string; qr: string; expiresAt: string | null }) => {
    store.patch(e.instance_id, { qr: e.qr, qrExpiresAt: e.expiresAt, status: 'qr_required' });
  });
  socket.on('qr-expired', (e: { instance_id: string }) => store.patch(e.instance_id, { status: 'expired', qr: null }));
  socket.on('connection-error', (e: { instance_id?: string; error: string; message?: string }) => {
    if (!e.instance_id) return;
    if (e.error === 'SESSION_DELETED' || e.error === 'SESSION_NOT_FOUND') store.remove(e.instance_id);
    else store.patch(e.instance_id, { lastError: e.message ?? e.error });
  });
  socket.on('session.messages.upsert', (e: Envelope<{ messages: { id: string; chatJid?: string; remoteJid: string; remoteJidAlt?: string | null }[] }>) => {
    if (e.sessionId) chatStore.onUpsert(e.sessionId, e.payload.messages);
  });
  socket.on('session.history.sync', (e: Envelope<unknown>) => {
    if (e.sessionId) chatStore.onHistory(e.sessionId);
  });
  socket.on('session.messages.update', (e: Envelope<{ updates: { messageId: string; status: MessageStatus }[]; source?: string }>) => {
    if (!e.sessionId) return;
    if (e.payload.source === 'queue') onQueueChanged(e.sessionId);
    chatStore.onStatus(e.sessionId, e.payload.updates);
  });
  socket.on('session.call', (e: Envelope<{ calls: CallSummary[] }>) => {
    if (e.sessionId) onCalls(e.sessionId, e.payload.calls);
  });
  socket.on('session.chats.update', (e: Envelope<{ updates: ChatStateUpdate[] }>) => {
    if (e.sessionId) chatStore.onChatsUpdate(e.sessionId, e.payload.updates);
  });
  socket.on('session.messages.media', (e: Envelope<{ media: MediaSummary[] }>) => {
    if (e.sessionId) chatStore.onMedia(e.sessionId, e.payload.media);
  });
  socket.on('session.messages.edit', (e: Envelope<{ edits: { messageId: string; text: string | null; editedAt: number }[] }>) => {
    if (e.sessionId) chatStore.onEdit(e.sessionId, e.payload.edits);
  });
  socket.on('session.messages.delete', (e: Envelope<{ deletes: { messageId: string; deletedAt: number }[] }>) => {
    if (e.sessionId) chatStore.onDelete(e.sessionId, e.payload.deletes);
  });
  socket.on('session.messages.reaction', (e: Envelope<{ reactions: { messageId: string; actorJid: string; emoji: string | null; removed: boolean }[] }>) => {
    if (e.sessionId) chatStore.onReaction(e.sessionId, e.payload.reactions);
  });
  socket.on('session.messages.poll', (e: Envelope<{ votes: PollVote[] }>) => {
    if (e.sessionId) chatStore.onPoll(e.sessionId, e.payload.votes);
  });

  listenGroups(socket);

  const offAuth = onAuthChange((user) => {
    if (user && socket.connected) socket.emit('authenticate', { token: getToken() });
  });
  return () => {
    offAuth();
    socket.disconnect();
  };
}
