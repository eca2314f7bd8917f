/**
 * Groups in the first history sync, end to end: real Baileys on the in-process simulator, the app
 * on PostgreSQL and on the embedded PGlite. A group is talked in while one companion of the account
 * is linked; a second companion of the same account then links, and its first history sync carries
 * the group (subject) and what was said in it (senders by LID, as a LID group addresses them): the
 * new session lists the group chat with its subject and reads its messages with the senders'
 * phones (resolved through the history's LID↔PN mappings) and push names, as the first session
 * stored them live.
 */
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, type Json } from '../support/auth-helpers.js';
import { awaitStatus, linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe.each([
  { database: 'PostgreSQL', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('groups in the first history sync ($database)', ({ embedded }) => {
  let t: TestApp;
  let alice: TestUser;
  let first: { id: string; phone: string };
  const [owner, bob] = [uniquePhone(), uniquePhone()];

  const sim = () => t.app.get(SandboxService).simulator;
  const api = (method: string, path: string, body?: unknown) => call(t, method, path, { token: alice.token, body });

  beforeAll(async () => {
    t = await startTestApp({ embedded, env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    first = await linkSandboxSession(t, alice.token);
  }, 60_000);
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it("a new companion's first sync brings the group, its subject and its messages with their senders", async () => {
    const upserted = nextEvent(t, 'session.groups.upsert', (e) => e.sessionId === first.id && e.payload.groups.some((g) => g.subject === 'Historia'));
    const created = await api('POST', '/sandbox/groups', { owner, subject: 'Historia', participants: [first.phone, bob] });
    expect(created.status).toBe(200);
    const jid = created.body.jid as string;
    await upserted;

    // Two members write, the session answers: all three stored live by the first session.
    const ids: string[] = [];
    for (const [from, text] of [[owner, 'hola grupo'], [bob, 'hola, soy Bob']] as const) {
      const stored = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === first.id && e.payload.messages.some((m) => m.text === text));
      const sent = await api('POST', `/sandbox/groups/${jid}/messages`, { from, text });
      expect(sent.status).toBe(200);
      ids.push(sent.body.messageId);
      await stored;
    }
    const decrypted = sim().waitFor('groupMessage', (m) => m.group === jid && m.text === 'hola a los dos');
    const answer = await api('POST', `/chats/${jid}/messages`, { content: 'hola a los dos' });
    expect(answer.status).toBe(201);
    ids.push(answer.body.id);
    await decrypted;
    const live = (await api('GET', `/chats/${jid}/messages?sessionId=${first.id}`)).body.data as Json[];

    // A second companion of the same account links: its first history sync carries the group.
    const second = (await api('POST', '/sessions')).body.id as string;
    const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === second);
    let historyChats = 0;
    let historyMessages = 0;
    const synced = new Promise<void>((resolve) => {
      const off = t.app.get(DomainEvents).onCommit('session.history.sync', (e) => {
        if (e.sessionId !== second || e.payload.status !== 'running') return;
        historyChats += e.payload.chatsCount;
        historyMessages += e.payload.messagesCount;
        if (e.payload.messages.some((m) => m.chatJid === jid)) {
          off();
          resolve();
        }
      });
    });
    await sim().scanQr(qr.payload.qrText, { phoneNumber: first.phone });
    await awaitStatus(t, alice.token, second, 'connected', 30_000);
    await synced;
    expect(historyChats).toBeGreaterThanOrEqual(1);
    expect(historyMessages).toBeGreaterThanOrEqual(3);

    const chats = await api('GET', `/chats?sessionId=${second}`);
    expect(chats.status).toBe(200);
    expect(chats.body.data).toEqual([expect.objectContaining({ jid, isGroup: true, name: 'Historia' })]);

    const page = await api('GET', `/chats/${jid}/messages?sessionId=${second}`);
    expect(page.status).toBe(200);
    const got = page.body.data as Json[];
    // Newest first; messages of the same second may come in either order.
    expect(got.map((m) => m.id).sort()).toEqual([...ids].sort());
    const [fromOwner, fromBob, mine] = ids.map((id) => got.find((m) => m.id === id));
    expect(fromOwner).toMatchObject({ chatJid: jid, fromMe: false, senderJid: expect.stringMatching(/@lid$/), senderPhone: owner, text: 'hola grupo' });
    expect(fromBob).toMatchObject({ fromMe: false, senderJid: expect.stringMatching(/@lid$/), senderPhone: bob, text: 'hola, soy Bob' });
    expect(mine).toMatchObject({ fromMe: true, senderPhone: first.phone, text: 'hola a los dos' });
    // The same senders as the first session stored from the live messages.
    for (const m of [fromOwner!, fromBob!]) {
      const twin = live.find((l) => l.id === m.id)!;
      expect({ senderJid: m.senderJid, senderPhone: m.senderPhone, pushName: m.pushName }).toEqual({ senderJid: twin.senderJid, senderPhone: twin.senderPhone, pushName: twin.pushName });
    }

    // The history's conversation is also reported as a contact by Baileys: a group is no contact.
    const contacts = await api('GET', `/contacts?sessionId=${second}&limit=200`);
    expect(contacts.status).toBe(200);
    expect((contacts.body.data as Json[]).filter((c) => String(c.jid).endsWith('@g.us'))).toEqual([]);
  }, 90_000);
});
