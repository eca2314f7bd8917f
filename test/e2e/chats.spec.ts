/**
 * Chats, messages and contacts end to end: real Baileys against the simulator (history fixture,
 * contacts texting by PN and LID), the REST API over HTTP and the events over Socket.io.
 */
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { awaitStatus, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CHATS = 3;
const PER_CHAT = 120;

describe('chats, messages and contacts (sandbox)', () => {
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let user: TestUser;
  let sessionId: string;
  let phone: string;
  let socket: RecordingSocket;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    sim = t.app.get(SandboxService).simulator;
    user = await newUser(t);
    socket = await connectAuthenticated(t, user.token);
    phone = uniquePhone();
    const created = await call(t, 'POST', '/sessions', { token: user.token });
    sessionId = created.body.id;
    const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === sessionId);
    // Wait for every fixture message stored (chats-changes.spec checks that `complete` follows them).
    let stored = 0;
    const allStored = new Promise<void>((resolve) => {
      const off = t.app.get(DomainEvents).onCommit('session.history.sync', (e) => {
        if (e.sessionId !== sessionId) return;
        stored += e.payload.status === 'running' ? e.payload.messagesCount : 0;
        if (stored >= CHATS * PER_CHAT) {
          off();
          resolve();
        }
      });
    });
    await sim.scanQr(qr.payload.qrText, { phoneNumber: phone, history: { chats: CHATS, messagesPerChat: PER_CHAT } });
    await awaitStatus(t, user.token, sessionId, 'connected', 30_000);
    await allStored;
    expect(stored).toBe(CHATS * PER_CHAT);
  }, 120_000);

  afterAll(async () => {
    socket?.socket.close();
    await t?.close({ drop: true });
  });

  const get = (path: string, token = user.token) => call(t, 'GET', path, { token });

  async function allMessages(jid: string, limit: number, between?: (page: number) => Promise<void>): Promise<Json[]> {
    const out: Json[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const res = await get(`/chats/${encodeURIComponent(jid)}/messages?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      out.push(...res.body.data);
      cursor = res.body.nextCursor;
      if (!cursor) break;
      if (between) await between(page);
    }
    return out;
  }

  it('returns every history message exactly once, newest first, across pages while new messages arrive', async () => {
    const chats = await get('/chats?limit=200');
    expect(chats.status).toBe(200);
    expect(chats.body.data).toHaveLength(CHATS);
    const stamps = chats.body.data.map((c: Json) => c.lastMessageAt);
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);
    // Every third fixture chat is LID-addressed: the history's mappings merge it with the phone number.
    for (const chat of chats.body.data) {
      expect(chat.jid).toMatch(/@s\.whatsapp\.net$/);
      expect(chat.pnJid).toBe(chat.jid);
      expect(chat.name).toEqual(expect.any(String));
      expect(chat.lastMessage).toMatchObject({ id: expect.any(String), timestamp: chat.lastMessageAt });
    }
    expect(chats.body.data.some((c: Json) => c.lidJid)).toBe(true);

    // Chats page too, without repeats.
    const first = await get('/chats?limit=2');
    const second = await get(`/chats?limit=2&cursor=${first.body.nextCursor}`);
    expect([...first.body.data, ...second.body.data].map((c: Json) => c.jid)).toEqual(chats.body.data.map((c: Json) => c.jid));
    expect(second.body.nextCursor).toBeNull();

    const target = chats.body.data[0];
    const contactPhone = target.jid.split('@')[0];
    let live = 0;
    const messages = await allMessages(target.jid, 37, async () => {
      live += 1;
      const arrived = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.text === `live ${live}`));
      await sim.contact(contactPhone).sendText(phone, `live ${live}`);
      await arrived;
    });
    const history = messages.filter((m) => !String(m.text).startsWith('live '));
    expect(history).toHaveLength(PER_CHAT);
    expect(new Set(history.map((m) => m.id)).size).toBe(PER_CHAT);
    const texts = new Set(history.map((m) => m.text));
    for (let n = 1; n <= PER_CHAT; n++) expect(texts.has(n % 2 === 0 ? `Reply ${n} to ${target.name}` : `Message ${n} from ${target.name}`)).toBe(true);
    const keys = messages.map((m) => m.timestamp);
    expect([...keys].sort((a, b) => b - a)).toEqual(keys);
    // The live ones arrived after the first page was read: newer, so not on the older pages.
    expect(messages.filter((m) => String(m.text).startsWith('live '))).toHaveLength(0);
    const newest = await get(`/chats/${encodeURIComponent(target.jid)}/messages?limit=${live}`);
    expect(newest.body.data.map((m: Json) => m.text).sort()).toEqual(Array.from({ length: live }, (_, i) => `live ${i + 1}`).sort());

    const contacts = await get('/contacts?limit=200');
    expect(contacts.status).toBe(200);
    expect(contacts.body.data.length).toBeGreaterThanOrEqual(CHATS);
    expect(contacts.body.data.find((c: Json) => c.jid === target.jid)).toMatchObject({ phone: contactPhone });
  });

  it('puts LID and PN messages of one contact in one chat, and stores NUL and emoji exactly', async () => {
    const contact = sim.contact(uniquePhone(), { pushName: 'Grace' });
    const text = 'nul\u0000 and emoji 👍🏽 \uE000 end';
    const byPn = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.text === 'by pn'));
    await contact.sendText(phone, 'by pn');
    await byPn;
    const byLid = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.text === text));
    await contact.sendText(phone, text, { addressing: 'lid' });
    const event = await byLid;
    expect(event.payload.messages[0]).toMatchObject({ chatJid: contact.jid, remoteJid: contact.lidJid });
    const upsert = await socket.next('session.messages.upsert', (e) => e.payload.messages.some((m: Json) => m.text === text));
    expect(upsert).toMatchObject({ type: 'session.messages.upsert', sessionId, payload: { upsertType: 'notify', messagesCount: 1 } });

    for (const jid of [contact.phoneNumber, contact.jid, contact.lidJid]) {
      const res = await get(`/chats/${encodeURIComponent(jid)}/messages`);
      expect(res.status).toBe(200);
      expect(res.body.data.map((m: Json) => m.text)).toEqual([text, 'by pn']);
      expect(res.body.data[0]).toMatchObject({ chatJid: contact.jid, fromMe: false, senderPhone: contact.phoneNumber, pushName: 'Grace', type: 'conversation', status: null });
    }
    const chats = await get('/chats?limit=200');
    const chat = chats.body.data.find((c: Json) => c.jid === contact.jid);
    expect(chat).toMatchObject({ pnJid: contact.jid, lidJid: contact.lidJid, unreadCount: 2, lastMessage: { text } });
  });

  it('replies, forwards, edits, deletes, reacts and reads, as the contact receives them', async () => {
    const contact = sim.contact(uniquePhone(), { pushName: 'Linus' });
    const inbound = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.text === 'hola'));
    const inboundId = await contact.sendText(phone, 'hola');
    await inbound;
    const path = `/chats/${contact.phoneNumber}/messages`;

    const sent = await call(t, 'POST', path, { token: user.token, body: { content: 'respuesta', replyToMessageId: inboundId } });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ id: expect.any(String), chatJid: contact.jid, status: expect.any(String), timestamp: expect.any(Number) });
    const reply = await sim.waitForSentMessage((m) => m.id === sent.body.id);
    expect(reply.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(inboundId);
    expect(reply.message?.extendedTextMessage?.text).toBe('respuesta');

    const other = sim.contact(uniquePhone());
    const fwd = await call(t, 'POST', `/chats/${other.phoneNumber}/messages`, { token: user.token, body: { forwardMessageId: inboundId } });
    expect(fwd.status).toBe(201);
    const forwarded = await sim.waitForSentMessage((m) => m.id === fwd.body.id);
    const fwdContent = forwarded.message?.extendedTextMessage ?? null;
    expect(forwarded.message?.conversation ?? fwdContent?.text).toBe('hola');
    expect(fwdContent?.contextInfo?.isForwarded).toBe(true);

    const edited = await call(t, 'PATCH', `${path}/${sent.body.id}`, { token: user.token, body: { content: 'respuesta editada' } });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({ id: sent.body.id, text: 'respuesta editada', editedAt: expect.any(Number), quotedMessageId: inboundId });
    const editMsg = await sim.waitForSentMessage((m) => m.message?.protocolMessage?.key?.id === sent.body.id && m.message?.protocolMessage?.type === 14);
    expect(editMsg.message?.protocolMessage?.editedMessage?.conversation ?? editMsg.message?.protocolMessage?.editedMessage?.extendedTextMessage?.text).toBe('respuesta editada');
    await socket.next('session.messages.edit', (e) => e.payload.edits.some((x: Json) => x.messageId === sent.body.id && x.text === 'respuesta editada'));

    const reacted = await call(t, 'POST', `${path}/${inboundId}/reactions`, { token: user.token, body: { emoji: '❤️' } });
    expect(reacted.status).toBe(200);
    expect(reacted.body.data.reactions).toEqual([{ emoji: '❤️', count: 1, actors: [`${phone}@s.whatsapp.net`] }]);
    const reactMsg = await sim.waitForSentMessage((m) => m.message?.reactionMessage?.key?.id === inboundId);
    expect(reactMsg.message?.reactionMessage?.text).toBe('❤️');
    await socket.next('session.messages.reaction', (e) => e.payload.reactions.some((r: Json) => r.messageId === inboundId && r.emoji === '❤️' && r.removed === false));
    const unreacted = await call(t, 'POST', `${path}/${inboundId}/reactions`, { token: user.token, body: { emoji: null } });
    expect(unreacted.body.data.reactions).toEqual([]);
    await socket.next('session.messages.reaction', (e) => e.payload.reactions.some((r: Json) => r.messageId === inboundId && r.removed === true));

    const deleted = await call(t, 'DELETE', `${path}/${sent.body.id}`, { token: user.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ id: sent.body.id, deletedAt: expect.any(Number), text: null });
    await sim.waitForSentMessage((m) => m.message?.protocolMessage?.key?.id === sent.body.id && m.message?.protocolMessage?.type === 0);
    await socket.next('session.messages.delete', (e) => e.payload.scope === 'message' && e.payload.deletes.some((d: Json) => d.messageId === sent.body.id));
    const notMine = await call(t, 'DELETE', `${path}/${inboundId}`, { token: user.token });
    expectErrorShape(notMine, 422);

    const read = await call(t, 'POST', `/chats/${contact.phoneNumber}/read`, { token: user.token, body: { messageIds: [inboundId] } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ success: true, marked: 1 });
    const chat = (await get('/chats?limit=200')).body.data.find((c: Json) => c.jid === contact.jid);
    expect(chat.unreadCount).toBe(0);
    const listed = await get(path);
    expect(listed.body.data.map((m: Json) => [m.id, m.fromMe])).toEqual([[sent.body.id, true], [inboundId, false]]);
    expect(listed.body.data[1].status).toBe('read');

    const typing = await call(t, 'POST', `/chats/${contact.phoneNumber}/presence`, { token: user.token, body: { presence: 'composing' } });
    expect(typing.status).toBe(200);
  });

  it('answers bad cursors, jids and ids with 400, and keeps tenants apart', async () => {
    expectErrorShape(await get('/chats?cursor=not-a-cursor!'), 400);
    expectErrorShape(await get(`/chats?cursor=${Buffer.from('[1]').toString('base64url')}`), 400, 'INVALID_CURSOR');
    expectErrorShape(await get('/chats?limit=0'), 400);
    expectErrorShape(await get('/chats/not-a-jid/messages'), 400);
    expectErrorShape(await call(t, 'PATCH', '/chats/12345678901/messages/bad%20id', { token: user.token, body: { content: 'x' } }), 400);
    expectErrorShape(await call(t, 'POST', '/chats/12345678901/messages/ABC/reactions', { token: user.token, body: {} }), 400);
    expectErrorShape(await call(t, 'POST', '/chats/12345678901/presence', { token: user.token, body: { presence: 'dancing' } }), 400);
    expectErrorShape(await get('/chats/12345678901/messages'), 404);
    expectErrorShape(await get('/chats?sessionId=nope'), 400);

    const stranger = await newUser(t);
    const someJid = (await get('/chats?limit=1')).body.data[0].jid;
    expectErrorShape(await get(`/chats/${encodeURIComponent(someJid)}/messages?cursor=${Buffer.from('["x","y"]').toString('base64url')}`), 400, 'INVALID_CURSOR');
    expectErrorShape(await get(`/chats/${encodeURIComponent(someJid)}/messages?cursor=${Buffer.from('[1,"1; DROP"]').toString('base64url')}`), 400, 'INVALID_CURSOR');
    expectErrorShape(await get('/chats', stranger.token), 404);
    expectErrorShape(await get(`/chats?sessionId=${sessionId}`, stranger.token), 404);
    expectErrorShape(await get(`/contacts?sessionId=${sessionId}`, stranger.token), 404);
    expectErrorShape(await get(`/chats/${encodeURIComponent(someJid)}/messages?sessionId=${sessionId}`, stranger.token), 404);
    for (const [method, p, body] of [
      ['POST', `/chats/${encodeURIComponent(someJid)}/messages?sessionId=${sessionId}`, { content: 'x' }],
      ['POST', `/chats/${encodeURIComponent(someJid)}/read?sessionId=${sessionId}`, { messageIds: ['ABC'] }],
      ['PATCH', `/chats/${encodeURIComponent(someJid)}/messages/ABC?sessionId=${sessionId}`, { content: 'x' }],
      ['DELETE', `/chats/${encodeURIComponent(someJid)}/messages/ABC?sessionId=${sessionId}`, undefined],
      ['POST', `/chats/${encodeURIComponent(someJid)}/messages/ABC/reactions?sessionId=${sessionId}`, { emoji: '👍' }],
      ['POST', `/chats/${encodeURIComponent(someJid)}/presence?sessionId=${sessionId}`, { presence: 'composing' }],
    ] as const) {
      expectErrorShape(await call(t, method, p, { token: stranger.token, body }), 404);
    }
    expect(socket.received.every((r) => !r.data?.sessionId || r.data.sessionId === sessionId)).toBe(true);

    // A second session makes sessionId required; an unconnected one answers 409 to commands.
    const second = await call(t, 'POST', '/sessions', { token: user.token });
    expectErrorShape(await get('/chats'), 400, 'SESSION_REQUIRED');
    expect((await get(`/chats?sessionId=${sessionId}`)).status).toBe(200);
    expectErrorShape(await call(t, 'POST', `/chats/12345678901/messages?sessionId=${second.body.id}`, { token: user.token, body: { content: 'x' } }), 409, 'SESSION_NOT_CONNECTED');
    await call(t, 'DELETE', `/sessions/${second.body.id}`, { token: user.token });
  });
});
