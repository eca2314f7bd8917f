/**
 * A contact's receipts that race the send (issue 30, item 2): the contact reads our message as
 * soon as it arrives, before or while the send's own write and Baileys' echo of it are stored.
 * Baileys then folds the receipts into the echo it has not emitted yet (its event buffer), or
 * into one another. Every status the message reaches is still announced over Socket.io, in order,
 * exactly once: delivered, then read. Real Baileys against the simulator, a real Socket.io client,
 * on PostgreSQL and on the embedded PGlite.
 */
import { ConversationStore } from '../../src/chats/conversation-store.service.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { SessionContext } from '../../src/whatsapp/conversation-types.js';
import { translateMessage } from '../../src/whatsapp/message-translator.js';
import { call, type Json } from '../support/auth-helpers.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { linkSandboxSession, newUser, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ROUNDS = 12;

describe.each([
  { database: 'PostgreSQL', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('receipts racing the send ($database)', ({ embedded }) => {
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let user: TestUser;
  let socket: RecordingSocket;
  let sessionId: string;
  let phone: string;

  beforeAll(async () => {
    t = await startTestApp({ embedded, env: { WA_SANDBOX: 'true' } });
    sim = t.app.get(SandboxService).simulator;
    user = await newUser(t);
    socket = await connectAuthenticated(t, user.token);
    ({ id: sessionId, phone } = await linkSandboxSession(t, user.token));
  }, 60_000);

  afterAll(async () => {
    socket?.close();
    await t?.close({ drop: true });
  });

  /** The statuses announced for `id`, in the order the socket received them. */
  const announced = (id: string): string[] =>
    socket.all('session.messages.update').flatMap((e: Json) => (e.payload.updates as Json[]).filter((u) => u.messageId === id).map((u) => u.status as string));

  it('announces delivered then read, each exactly once, however fast the contact reads', async () => {
    const contact = sim.contact(uniquePhone(), { pushName: 'Quick reader' });
    const ids: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const text = `race ${round} ${Date.now()}`;
      const arrived = sim.waitForSentMessage((m) => m.text === text && m.decryptedBy.includes('contact'));
      const sent = call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { token: user.token, body: { content: text } });
      const message = await arrived;
      // Odd rounds: only the read receipt (the automatic delivery receipt follows 150 ms later).
      if (round % 2 === 0) sim.sendReceipt(message.id, 'delivered');
      sim.sendReceipt(message.id, 'read');
      const res = await sent;
      expect(res.status).toBe(201);
      expect(res.body.id).toBe(message.id);
      ids.push(message.id);
      await socket.next('session.messages.update', (e) => e.sessionId === sessionId && (e.payload.updates as Json[]).some((u) => u.messageId === message.id && u.status === 'read'));
    }
    // A barrier: the contact's automatic receipts of every round (150 and 300 ms after each) come
    // before those of a message sent after them all, in one session's order.
    const last = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { token: user.token, body: { content: 'barrier' } });
    expect(last.status).toBe(201);
    await socket.next('session.messages.update', (e) => (e.payload.updates as Json[]).some((u) => u.messageId === last.body.id && u.status === 'read'));

    for (const id of ids) expect({ id, statuses: announced(id) }).toEqual({ id, statuses: ['delivered', 'read'] });
    const page = await call(t, 'GET', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}&limit=50`, { token: user.token });
    const stored = new Map((page.body.data as Json[]).map((m) => [m.id as string, m.status as string]));
    for (const id of ids) expect(stored.get(id)).toBe('read');
  }, 120_000);
  it('announces the receipts Baileys folded into its echo of our message, before or after our own write', async () => {
    // Baileys' event buffer applies a receipt to the buffered echo (`messages.upsert` append) of the
    // message: the echo then carries status read (4) and no `messages.update` follows.
    const store = t.app.get(ConversationStore);
    const ctx: SessionContext = { sessionId, tenantId: user.tenantId, sessionPhone: () => phone };
    const contact = sim.contact(uniquePhone());
    const echo = (id: string) => ({ ...translateMessage({ key: { id, remoteJid: contact.jid, fromMe: true }, message: { conversation: 'folded' }, messageTimestamp: Math.floor(Date.now() / 1000), status: 4 }, phone)! });
    // The echo first (its status is stored as sent, then moved to read), then our write: a repeat.
    await store.storeMessages(ctx, 'append', [echo('3EB0FOLDEDECHO00000001')], null);
    await store.storeMessages(ctx, 'append', [{ ...echo('3EB0FOLDEDECHO00000001'), status: 'pending' }], null);
    // Our write first, then the echo with the folded status.
    await store.storeMessages(ctx, 'append', [{ ...echo('3EB0FOLDEDECHO00000002'), status: 'pending' }], null);
    await store.storeMessages(ctx, 'append', [echo('3EB0FOLDEDECHO00000002')], null);
    // And the echo once more: nothing new to announce.
    await store.storeMessages(ctx, 'append', [echo('3EB0FOLDEDECHO00000002')], null);
    const barrier = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { token: user.token, body: { content: 'barrier' } });
    await socket.next('session.messages.update', (e) => (e.payload.updates as Json[]).some((u) => u.messageId === barrier.body.id && u.status === 'read'));
    expect(announced('3EB0FOLDEDECHO00000001')).toEqual(['delivered', 'read']);
    expect(announced('3EB0FOLDEDECHO00000002')).toEqual(['delivered', 'read']);
    const upserted = socket.all('session.messages.upsert').flatMap((e: Json) => e.payload.messages as Json[]).filter((m) => m.id === '3EB0FOLDEDECHO00000001');
    expect(upserted.map((m) => m.status)).toEqual(['sent']);
    const page = await call(t, 'GET', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}&limit=10`, { token: user.token });
    const stored = new Map((page.body.data as Json[]).map((m) => [m.id as string, m.status as string]));
    expect([stored.get('3EB0FOLDEDECHO00000001'), stored.get('3EB0FOLDEDECHO00000002')]).toEqual(['read', 'read']);
  });
});
