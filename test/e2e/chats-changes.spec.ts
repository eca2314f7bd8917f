/**
 * What changes stored messages, end to end: real Baileys against the simulator, the REST API over
 * HTTP, the events over Socket.io (seed 002 payloads) and the contact's own inbox. A contact's
 * reaction, edit and revoke; ours reaching the contact; read receipts and unread counts; a retry
 * receipt answered from the message store; the history sync's completion after its last chunk;
 * the inbox endpoints' shapes, cursors and tenant isolation.
 */
import { ConversationStore } from '../../src/chats/conversation-store.service.js';
import type { DomainEvent } from '../../src/events/event-map.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { decodeRaw, translateMessage } from '../../src/whatsapp/message-translator.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { awaitStatus, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CHATS = 3;
const PER_CHAT = 40;
const CHAT_KEYS = ['archived', 'isGroup', 'jid', 'lastMessage', 'lastMessageAt', 'lidJid', 'mutedUntil', 'name', 'pinned', 'pnJid', 'unreadCount'];
const MESSAGE_KEYS = [
  'chatJid', 'contacts', 'deletedAt', 'editedAt', 'event', 'forwarded', 'fromMe', 'id', 'linkPreview', 'location', 'media', 'mentions', 'poll', 'pushName',
  'quotedMessageId', 'reactions', 'senderJid', 'senderPhone', 'status', 'text', 'timestamp', 'type',
];
const CONTACT_KEYS = ['imgUrl', 'jid', 'lidJid', 'name', 'notify', 'phone', 'pnJid'];

describe('chats: changes to stored messages (sandbox)', () => {
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let user: TestUser;
  let socket: RecordingSocket;
  let sessionId: string;
  let phone: string;
  /** Every history event the app committed for the session, in commit order. */
  const historyEvents: Array<DomainEvent<'session.history.sync'>> = [];

  /** A session for `owner`, scanned by a new simulated phone (with an optional history fixture). */
  async function connectedSession(owner: TestUser, history?: { chats: number; messagesPerChat: number }): Promise<{ id: string; phone: string }> {
    const created = await call(t, 'POST', '/sessions', { token: owner.token });
    const id = created.body.id as string;
    const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === id);
    const number = uniquePhone();
    await sim.scanQr(qr.payload.qrText, { phoneNumber: number, ...(history ? { history } : {}) });
    await awaitStatus(t, owner.token, id, 'connected', 30_000);
    return { id, phone: number };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    sim = t.app.get(SandboxService).simulator;
    user = await newUser(t);
    socket = await connectAuthenticated(t, user.token);
    t.app.get(DomainEvents).onCommit('session.history.sync', (e) => {
      if (e.sessionId === sessionId) historyEvents.push(e);
    });
    const recentComplete = new Promise<void>((resolve) => {
      const off = t.app.get(DomainEvents).onCommit('session.history.sync', (e) => {
        if (e.sessionId !== sessionId || e.payload.syncType !== 'RECENT' || e.payload.status !== 'complete') return;
        off();
        resolve();
      });
    });
    const created = await call(t, 'POST', '/sessions', { token: user.token });
    sessionId = created.body.id;
    const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === sessionId);
    phone = uniquePhone();
    await sim.scanQr(qr.payload.qrText, { phoneNumber: phone, history: { chats: CHATS, messagesPerChat: PER_CHAT } });
    await awaitStatus(t, user.token, sessionId, 'connected', 30_000);
    await recentComplete;
  }, 120_000);

  afterAll(async () => {
    socket?.socket.close();
    await t?.close({ drop: true });
  });

  const get = (path: string, token = user.token) => call(t, 'GET', path, { token });
  const messagesOf = async (jid: string): Promise<Json[]> => {
    const res = await get(`/chats/${encodeURIComponent(jid)}/messages?limit=200`);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  /** The contact sends a text and the session stores it. */
  async function inbound(contact: ReturnType<WhatsAppSimulator['contact']>, text: string): Promise<string> {
    const stored = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.text === text));
    const id = await contact.sendText(phone, text);
    await stored;
    return id;
  }
  /** What the session sent the contact, once the contact has decrypted it. */
  const contactGot = (predicate: (m: Json) => boolean) => sim.waitForSentMessage((m) => m.decryptedBy.includes('contact') && predicate(m as unknown as Json));

  it('reports a history sync complete only after its last chunk is committed, with the totals', async () => {
    await socket.next('session.history.sync', (e) => e.sessionId === sessionId && e.payload.syncType === 'RECENT' && e.payload.status === 'complete');
    const complete = historyEvents.findIndex((e) => e.payload.syncType === 'RECENT' && e.payload.status === 'complete');
    const chunks = historyEvents.filter((e) => e.payload.status === 'running');
    const lastRecent = historyEvents.findIndex((e) => e.payload.syncType === 'RECENT' && e.payload.status === 'running' && e.payload.progress === 100);
    expect(lastRecent).toBeGreaterThanOrEqual(0);
    expect(complete).toBeGreaterThan(lastRecent);
    // Nothing of the sync is committed after its completion.
    expect(historyEvents.slice(complete + 1).filter((e) => e.payload.status === 'running')).toEqual([]);
    expect(chunks.reduce((n, e) => n + e.payload.messagesCount, 0)).toBe(CHATS * PER_CHAT);
    const recentMessages = chunks.filter((e) => e.payload.syncType === 'RECENT').reduce((n, e) => n + e.payload.messagesCount, 0);
    expect(historyEvents[complete]!.payload).toMatchObject({ tenantId: user.tenantId, progress: 100, isLatest: true, messagesCount: recentMessages, messagesTruncated: false, messages: [] });
    const bootstrapDone = historyEvents.findIndex((e) => e.payload.syncType === 'INITIAL_BOOTSTRAP' && e.payload.status === 'complete');
    const bootstrapChunk = historyEvents.findIndex((e) => e.payload.syncType === 'INITIAL_BOOTSTRAP' && e.payload.status === 'running');
    expect(bootstrapChunk).toBeGreaterThanOrEqual(0);
    expect(bootstrapDone).toBeGreaterThan(bootstrapChunk);
    // The SPA saw them in the same order.
    const seen = socket.all('session.history.sync').filter((e) => e.sessionId === sessionId).map((e) => `${e.payload.syncType}:${e.payload.status}:${e.payload.progress}`);
    expect(seen).toEqual(historyEvents.map((e) => `${e.payload.syncType}:${e.payload.status}:${e.payload.progress}`));
  });

  it("shows a contact's reaction, edit and revoke in the stored message and the events", async () => {
    const contact = sim.contact(uniquePhone(), { pushName: 'Ada' });
    const first = await inbound(contact, 'to be changed');
    const second = await inbound(contact, 'to be revoked');

    await contact.react(phone, first, '👍');
    const reaction = await socket.next('session.messages.reaction', (e) => e.payload.reactions.some((r: Json) => r.messageId === first && !r.removed));
    expect(reaction).toMatchObject({ type: 'session.messages.reaction', sessionId, eventId: expect.any(String), occurredOn: expect.any(String) });
    expect(reaction.payload).toEqual({
      tenantId: user.tenantId, reactionsCount: 1, source: 'event',
      reactions: [{ messageId: first, chatJid: contact.jid, actorJid: contact.jid, fromMe: false, emoji: '👍', reactedAt: expect.any(Number), removed: false }],
    });
    expect((await messagesOf(contact.jid)).find((m) => m.id === first)!.reactions).toEqual([{ emoji: '👍', count: 1, actors: [contact.jid] }]);

    await contact.edit(phone, first, 'changed 🙂');
    const edit = await socket.next('session.messages.edit', (e) => e.payload.edits.some((x: Json) => x.messageId === first));
    expect(edit.payload).toEqual({
      tenantId: user.tenantId, editsCount: 1, edits: [{ messageId: first, chatJid: contact.jid, type: expect.any(String), text: 'changed 🙂', editedAt: expect.any(Number) }],
    });

    // Revoked by its LID address: the change still finds the message in the PN chat.
    await contact.revoke(phone, second, { addressing: 'lid' });
    const deleted = await socket.next('session.messages.delete', (e) => e.payload.deletes.some((d: Json) => d.messageId === second));
    expect(deleted.payload).toEqual({ tenantId: user.tenantId, scope: 'message', deletesCount: 1, deletes: [{ messageId: second, chatJid: contact.jid, deletedAt: expect.any(Number) }] });

    await contact.react(phone, first, '');
    await socket.next('session.messages.reaction', (e) => e.payload.reactions.some((r: Json) => r.messageId === first && r.removed && r.emoji === null));

    const stored = await messagesOf(contact.jid);
    expect(stored.map((m) => m.id)).toEqual([second, first]);
    expect(stored[1]).toMatchObject({ id: first, text: 'changed 🙂', editedAt: edit.payload.edits[0].editedAt, deletedAt: null, reactions: [] });
    expect(stored[0]).toMatchObject({ id: second, text: null, deletedAt: deleted.payload.deletes[0].deletedAt });
    // Reactions and protocol messages are not messages of the chat.
    const chat = (await get('/chats?limit=200')).body.data.find((c: Json) => c.jid === contact.jid);
    expect(chat).toMatchObject({ unreadCount: 2, lastMessage: { id: second, text: null } });
  });

  it('sends our reaction, edit and delete to the contact, who decrypts each', async () => {
    const contact = sim.contact(uniquePhone(), { pushName: 'Grace' });
    const theirs = await inbound(contact, 'react to me');
    const path = `/chats/${contact.phoneNumber}/messages`;
    const sent = await call(t, 'POST', path, { token: user.token, body: { content: 'mine' } });
    expect(sent.status).toBe(201);
    expect((await contactGot((m) => m.id === sent.body.id)).text).toBe('mine');

    expect((await call(t, 'PATCH', `${path}/${sent.body.id}`, { token: user.token, body: { content: 'mine, edited' } })).status).toBe(200);
    const edit = await contactGot((m) => m.kind === 'edit' && m.edit?.messageId === sent.body.id);
    expect(edit.edit).toEqual({ messageId: sent.body.id, text: 'mine, edited' });

    expect((await call(t, 'POST', `${path}/${theirs}/reactions`, { token: user.token, body: { emoji: '🎉' } })).status).toBe(200);
    expect((await contactGot((m) => m.kind === 'reaction' && m.reaction?.messageId === theirs)).reaction).toEqual({ messageId: theirs, emoji: '🎉' });
    expect((await call(t, 'POST', `${path}/${theirs}/reactions`, { token: user.token, body: { emoji: null } })).status).toBe(200);
    expect((await contactGot((m) => m.kind === 'reaction' && m.reaction?.messageId === theirs && m.reaction?.emoji === '')).reaction).toEqual({ messageId: theirs, emoji: '' });

    expect((await call(t, 'DELETE', `${path}/${sent.body.id}`, { token: user.token })).status).toBe(200);
    await contactGot((m) => m.kind === 'revoke' && m.revoke?.messageId === sent.body.id);
    const inbox = sim.inboxOf(contact.phoneNumber, phone).messages;
    expect(inbox.filter((m) => m.decryptedBy.includes('contact')).map((m) => m.kind)).toEqual(['text', 'edit', 'reaction', 'reaction', 'revoke']);
  });

  it('marks messages read: the receipt reaches the contact, the status and unread count are reported', async () => {
    const contact = sim.contact(uniquePhone());
    const ids = [await inbound(contact, 'unread one'), await inbound(contact, 'unread two')];
    expect((await get('/chats?limit=200')).body.data.find((c: Json) => c.jid === contact.jid).unreadCount).toBe(2);

    const receipt = sim.waitFor('receipt', (r) => r.phoneNumber === phone && r.type === 'read' && r.messageIds.includes(ids[0]!));
    const read = await call(t, 'POST', `/chats/${contact.phoneNumber}/read`, { token: user.token, body: { messageIds: [ids[0]] } });
    expect(read.body).toEqual({ success: true, marked: 1 });
    await receipt;
    const update = await socket.next('session.messages.update', (e) => e.payload.source === 'api' && e.payload.updates.some((u: Json) => u.messageId === ids[0]));
    expect(update.payload).toEqual({
      tenantId: user.tenantId, updatesCount: 1, source: 'api',
      updates: [{ messageId: ids[0], remoteJid: contact.jid, chatJid: contact.jid, status: 'read', statusAt: expect.any(Number) }],
      chats: [{ chatJid: contact.jid, unreadCount: 1 }],
    });
    expect((await get('/chats?limit=200')).body.data.find((c: Json) => c.jid === contact.jid).unreadCount).toBe(1);
    expect((await messagesOf(contact.jid)).map((m) => [m.id, m.status])).toEqual([[ids[1], null], [ids[0], 'read']]);

    // Both, by LID address: only the one still unread is reported.
    const again = await call(t, 'POST', `/chats/${encodeURIComponent(contact.lidJid)}/read`, { token: user.token, body: { messageIds: ids } });
    expect(again.body).toEqual({ success: true, marked: 1 });
    const second = await socket.next('session.messages.update', (e) => e.payload.source === 'api' && e.payload.updates.some((u: Json) => u.messageId === ids[1]));
    expect(second.payload).toMatchObject({ updatesCount: 1, updates: [{ messageId: ids[1], status: 'read' }], chats: [{ chatJid: contact.jid, unreadCount: 0 }] });
  });

  it("answers a contact's retry receipt with the message from the store", async () => {
    const contact = sim.contact(uniquePhone());
    await inbound(contact, 'hello first');
    contact.failNextDecrypt(phone);
    const text = `retry me ${Date.now()}`;
    const asked = sim.waitFor('retryRequested', (r) => r.from === contact.phoneNumber);
    const resent = sim.waitFor('message', (m) => m.text === text && m.decryptedBy.includes('contact'), 20_000);
    const sent = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages`, { token: user.token, body: { content: text } });
    expect(sent.status).toBe(201);
    expect((await asked).id).toBe(sent.body.id);
    const again = await resent;
    expect(again.id).toBe(sent.body.id);
    // Re-encrypted for the contact's new Signal session: a fresh pkmsg with the same id.
    expect(again.encTypes[contact.jid]).toBe('pkmsg');
    expect(sim.inboxOf(contact.phoneNumber, phone).messages.filter((m) => m.id === sent.body.id && m.decryptedBy.includes('contact'))).toHaveLength(1);
    // What Baileys' getMessage reads: the stored proto, or undefined (never a placeholder).
    const store = t.app.get(ConversationStore);
    const raw = await store.rawMessage(sessionId, contact.jid, sent.body.id);
    const message = decodeRaw(raw!).message;
    expect(message?.conversation ?? message?.extendedTextMessage?.text).toBe(text);
    expect(await store.rawMessage(sessionId, contact.jid, '3EB0NOTSTORED000000000')).toBeUndefined();
  });

  it('lets a retry lookup that misses wait for the sends in flight, then answer from the store', async () => {
    const store = t.app.get(ConversationStore);
    const ctx = { sessionId, tenantId: user.tenantId, sessionPhone: () => phone };
    const jid = `${uniquePhone()}@s.whatsapp.net`;
    const record = translateMessage({ key: { id: '3EB0INFLIGHT0000000001', remoteJid: jid, fromMe: true }, message: { conversation: 'in flight' }, messageTimestamp: 1_767_220_000 }, phone)!;
    let release: () => void = () => undefined;
    const relayed = new Promise<void>((resolve) => (release = resolve));
    // The send has gone out; its store has not committed yet when the contact asks for a retry.
    const sending = store.whileSending(sessionId, async () => {
      await relayed;
      await store.storeMessages(ctx, 'append', [record], null);
    });
    const lookup = store.rawMessage(sessionId, jid, record.id);
    release();
    await sending;
    expect(decodeRaw((await lookup)!).message?.conversation).toBe('in flight');
    // With nothing in flight, a miss is answered at once.
    expect(await store.rawMessage(sessionId, jid, '3EB0INFLIGHT0000000002')).toBeUndefined();
  });

  it("names the contract's realtime events in the OpenAPI description", async () => {
    const doc = await call(t, 'GET', '/docs-json');
    const description = doc.body.info.description as string;
    for (const event of [
      'session.snapshot', 'session.created', 'session.qr.updated', 'session.status.connected', 'session.status.disconnected', 'session.history.sync',
      'session.messages.upsert', 'session.messages.update', 'session.messages.edit', 'session.messages.delete', 'session.messages.reaction',
      'session.contacts.upsert', 'session.presence.update',
    ]) {
      expect(description).toContain(`\`${event}\``);
    }
    expect(description).toContain('/ws/sessions');
  });

  it('lists chats, messages and contacts in their exact shapes, by cursor, one tenant only', async () => {
    const all = (await get('/chats?limit=200')).body.data as Json[];
    expect(all.length).toBeGreaterThanOrEqual(CHATS + 4);
    for (const chat of all) expect(Object.keys(chat).sort()).toEqual(CHAT_KEYS);
    const paged: Json[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/chats?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      paged.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged.map((c) => c.jid)).toEqual(all.map((c) => c.jid));

    const history = all.find((c) => c.name && c.lidJid)!;
    const messages = await messagesOf(history.jid);
    expect(messages).toHaveLength(PER_CHAT);
    for (const m of messages) expect(Object.keys(m).sort()).toEqual(MESSAGE_KEYS);
    expect(messages[0]).toMatchObject({ chatJid: history.jid, timestamp: history.lastMessageAt, reactions: [], media: null, forwarded: false });

    const contacts = (await get('/contacts?limit=200')).body.data as Json[];
    expect(contacts.length).toBeGreaterThanOrEqual(CHATS);
    for (const c of contacts) expect(Object.keys(c).sort()).toEqual(CONTACT_KEYS);
    expect(contacts.find((c) => c.jid === history.jid)).toMatchObject({ pnJid: history.jid, lidJid: history.lidJid, phone: history.jid.split('@')[0] });
    const contactPages: Json[] = [];
    cursor = null;
    do {
      const res = await get(`/contacts?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      contactPages.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(contactPages.map((c) => c.jid)).toEqual(contacts.map((c) => c.jid));
    expectErrorShape(await get(`/contacts?cursor=${Buffer.from('[1]').toString('base64url')}`), 400, 'INVALID_CURSOR');
    expectErrorShape(await get('/contacts?limit=201'), 400);

    // Another tenant with a session of its own sees its own conversations only.
    const other = await newUser(t);
    const theirs = await connectedSession(other);
    const stranger = sim.contact(uniquePhone());
    const arrived = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === theirs.id);
    await stranger.sendText(theirs.phone, 'for the other tenant');
    await arrived;
    const theirChats = (await get('/chats?limit=200', other.token)).body.data as Json[];
    expect(theirChats.map((c) => c.jid)).toEqual([stranger.jid]);
    expect(((await get('/contacts?limit=200', other.token)).body.data as Json[]).some((c) => all.some((mine) => mine.jid === c.jid))).toBe(false);
    expectErrorShape(await get(`/chats/${encodeURIComponent(history.jid)}/messages`, other.token), 404);
    expectErrorShape(await get(`/chats/${encodeURIComponent(stranger.jid)}/messages`), 404);
    expectErrorShape(await call(t, 'POST', `/chats/${encodeURIComponent(history.jid)}/read`, { token: other.token, body: { messageIds: [messages[0]!.id] } }), 404);
    expect(socket.all('session.messages.upsert').every((e) => e.sessionId === sessionId)).toBe(true);
  });
});
