/**
 * Text that is not well-formed UTF-16 (issue 30, item 1). A contact's text with a lone surrogate is
 * stored with U+FFFD in its place (the raw message keeps the original), a row the database refuses
 * never sinks the other messages of its batch, our own sends with a lone surrogate are a 400 before
 * anything goes to WhatsApp, a send WhatsApp accepted is never answered 5xx, and a leading U+FEFF is
 * kept both ways. Real Baileys against the simulator, on PostgreSQL and on the embedded PGlite.
 */
import { DataSource } from 'typeorm';
import { ConversationStore } from '../../src/chats/conversation-store.service.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { SessionContext, WaMessageRecord } from '../../src/whatsapp/conversation-types.js';
import { translateMessage } from '../../src/whatsapp/message-translator.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A trigger that refuses one text, as the database refuses a row it cannot hold. */
const POISON = `CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN IF NEW.text LIKE 'poison%' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$;
  CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON wa_messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()`;
const CURE = 'DROP TRIGGER refuse_poison ON wa_messages';

describe.each([
  { database: 'PostgreSQL', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('text that is not well-formed ($database)', ({ embedded }) => {
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let user: TestUser;
  let sessionId: string;
  let phone: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ embedded, env: { WA_SANDBOX: 'true' } });
    sim = t.app.get(SandboxService).simulator;
    db = t.app.get(DataSource);
    user = await newUser(t);
    ({ id: sessionId, phone } = await linkSandboxSession(t, user.token));
  }, 60_000);

  afterAll(async () => {
    await t?.close({ drop: true });
  });

  const messages = async (contactPhone: string): Promise<Map<string, Json>> => {
    const page = await call(t, 'GET', `/chats/${contactPhone}/messages?sessionId=${sessionId}&limit=50`, { token: user.token });
    expect(page.status).toBe(200);
    return new Map((page.body.data as Json[]).map((m) => [m.id as string, m]));
  };
  const upserted = (id: string) => nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.id === id));

  it("stores a contact's lone surrogate as U+FFFD, keeps the raw message exactly, and keeps a leading BOM", async () => {
    const contact = sim.contact(uniquePhone(), { pushName: 'Half\ud83d' });
    const lone = upserted('3EB0LONESURROGATE00001');
    const bom = upserted('3EB0LEADINGBOM00000001');
    await contact.sendText(phone, 'x\ud800y', { id: '3EB0LONESURROGATE00001' });
    await contact.sendText(phone, '\ufeffhola', { id: '3EB0LEADINGBOM00000001' });
    // Sent back to back, the two may come in one event (joined batches): each is found by its id.
    const event = await lone;
    expect(event.payload.messages.find((m) => m.id === '3EB0LONESURROGATE00001')).toMatchObject({ text: 'x\ufffdy', pushName: 'Half\ufffd' });
    expect((await bom).payload.messages.find((m) => m.id === '3EB0LEADINGBOM00000001')?.text).toBe('\ufeffhola');
    const stored = await messages(contact.phoneNumber);
    expect(stored.get('3EB0LONESURROGATE00001')).toMatchObject({ text: 'x\ufffdy', pushName: 'Half\ufffd' });
    expect(stored.get('3EB0LEADINGBOM00000001')?.text).toBe('\ufeffhola');
    // The raw WebMessageInfo holds the text as WhatsApp sent it: the surrogate's three bytes (WTF-8).
    const raw = await t.app.get(ConversationStore).rawMessage(sessionId, contact.jid, '3EB0LONESURROGATE00001');
    expect(raw?.includes(Buffer.from([0x78, 0xed, 0xa0, 0x80, 0x79]))).toBe(true);
  });

  it('stores every other message of a batch when the database refuses one row', async () => {
    const contact = sim.contact(uniquePhone());
    const ctx: SessionContext = { sessionId, tenantId: user.tenantId, sessionPhone: () => phone };
    const record = (id: string, text: string): WaMessageRecord => ({
      ...translateMessage({ key: { id, remoteJid: contact.jid, fromMe: false }, message: { conversation: 'x' }, messageTimestamp: Math.floor(Date.now() / 1000) }, phone)!,
      text,
    });
    await db.query(POISON);
    try {
      const event = upserted('3EB0BATCH0000000000001');
      // A lone surrogate that reaches the writer itself (past the translator), a row refused, a plain one.
      const batch = [record('3EB0BATCH0000000000001', 'a\udc00b'), record('3EB0BATCH0000000000002', 'poison row'), record('3EB0BATCH0000000000003', 'plain')];
      const written = await t.app.get(ConversationStore).storeMessages(ctx, 'notify', batch, null);
      expect(written.map((s) => s.record.id)).toEqual(['3EB0BATCH0000000000001', '3EB0BATCH0000000000003']);
      expect((await event).payload.messages.map((m) => m.id)).toEqual(['3EB0BATCH0000000000001', '3EB0BATCH0000000000003']);
    } finally {
      await db.query(CURE);
    }
    const stored = await messages(contact.phoneNumber);
    expect([...stored.keys()].sort()).toEqual(['3EB0BATCH0000000000001', '3EB0BATCH0000000000003']);
    expect(stored.get('3EB0BATCH0000000000001')?.text).toBe('a\ufffdb');
  });

  it('refuses our own sends with a lone surrogate with a 400, before anything is sent', async () => {
    const contact = sim.contact(uniquePhone());
    const before = sim.sentMessages(phone).length;
    const auth = { token: user.token };
    const refused = [
      await call(t, 'POST', `/sessions/${sessionId}/messages`, { ...auth, body: { to: contact.phoneNumber, text: 'x\ud800y' } }),
      await call(t, 'POST', `/sessions/${sessionId}/send-message`, { ...auth, body: { number: contact.phoneNumber, message: '\udfffend' } }),
      await call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { ...auth, body: { content: 'half \ud83d' } }),
      await call(t, 'PATCH', `/chats/${contact.phoneNumber}/messages/3EB0NOSUCHMESSAGE00001?sessionId=${sessionId}`, { ...auth, body: { content: '\ud800' } }),
      await call(t, 'POST', `/chats/${contact.phoneNumber}/messages/3EB0NOSUCHMESSAGE00001/reactions?sessionId=${sessionId}`, { ...auth, body: { emoji: '\ud83d' } }),
    ];
    for (const res of refused) {
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.message).toMatch(/lone UTF-16 surrogate/);
    }
    expect(refused[0].body.error.details).toEqual([{ field: 'text', errors: [expect.stringMatching(/^text must be well-formed/)] }]);
    expect(sim.sentMessages(phone)).toHaveLength(before);
    // A surrogate pair is a character like any other.
    const emoji = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { ...auth, body: { content: 'ok \ud83d\ude00' } });
    expect(emoji.status).toBe(201);
  });

  it('keeps a leading BOM in what we send, on both send endpoints', async () => {
    const contact = sim.contact(uniquePhone());
    const viaChats = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { token: user.token, body: { content: '\ufeffchats' } });
    expect(viaChats.status).toBe(201);
    const echoed = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === sessionId && e.payload.messages.some((m) => m.text === '\ufeffsessions'));
    const viaSessions = await call(t, 'POST', `/sessions/${sessionId}/messages`, { token: user.token, body: { to: contact.phoneNumber, text: '\ufeffsessions' } });
    expect(viaSessions.status).toBe(201);
    const arrived = await sim.waitForSentMessage((m) => m.id === viaSessions.body.id && m.decryptedBy.includes('contact'));
    expect(arrived.text).toBe('\ufeffsessions');
    const inbox = sim.inboxOf(contact.phoneNumber, phone).messages;
    expect(inbox.find((m) => m.id === viaChats.body.id)?.text).toBe('\ufeffchats');
    await echoed;
    const stored = await messages(contact.phoneNumber);
    expect(stored.get(viaChats.body.id)?.text).toBe('\ufeffchats');
    expect(stored.get(viaSessions.body.id)?.text).toBe('\ufeffsessions');
  });

  it('answers 201 for a send WhatsApp accepted even when storing our copy fails', async () => {
    const contact = sim.contact(uniquePhone());
    await db.query(POISON);
    let res;
    try {
      res = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages?sessionId=${sessionId}`, { token: user.token, body: { content: 'poison send' } });
    } finally {
      await db.query(CURE);
    }
    expect(res.status).toBe(201);
    const arrived = await sim.waitForSentMessage((m) => m.id === res.body.id && m.decryptedBy.includes('contact'));
    expect(arrived.text).toBe('poison send');
  });
});
