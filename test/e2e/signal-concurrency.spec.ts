/**
 * Issue 32's regression test: several sandbox accounts and contacts write to each other at the
 * same moment, on a real PostgreSQL and on the embedded PGlite. Every message is decrypted and
 * stored both ways, and nobody fails a decryption: no session asks a contact for a retry, and no
 * contact asks a session. Before the fix (src/whatsapp/signal-transactions.ts), a send to a
 * contact's PN jid and a decryption of the same contact's LID message overlapped under two
 * different Baileys locks, and one undid the other's ratchet step.
 */
import type { DomainEvent } from '../../src/events/event-map.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { SimContact } from '../../src/simulator/contacts.js';
import { call } from '../support/auth-helpers.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SESSIONS = 3;
const CONTACTS = 4;
const ROUNDS = 6;

describe.each([
  ['PostgreSQL', false],
  ['the embedded PGlite', true],
])('Signal sessions under two-way traffic, on %s', (_name, embedded) => {
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let user: TestUser;
  const sessions: Array<{ id: string; phone: string }> = [];
  let contacts: SimContact[];
  /** Texts the app stored and committed, inbound and outbound. */
  const stored = new Set<string>();
  const storedWaiters: Array<() => void> = [];
  const failures: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ embedded, env: { WA_SANDBOX: 'true' } });
    sim = t.app.get(SandboxService).simulator;
    user = await newUser(t);
    t.app.get(DomainEvents).onCommit('session.messages.upsert', (e: DomainEvent<'session.messages.upsert'>) => {
      for (const m of e.payload.messages) if (m.text) stored.add(m.text);
      for (const wake of storedWaiters.splice(0)) wake();
    });
    sim.on('receipt', (r) => {
      if (r.type === 'retry') failures.push(`a session could not decrypt ${r.messageIds.join(',')}`);
    });
    sim.on('retryRequested', (r) => failures.push(`contact ${r.from} could not decrypt ${r.id}`));
    for (let s = 0; s < SESSIONS; s++) sessions.push(await linkSandboxSession(t, user.token));
    contacts = Array.from({ length: CONTACTS }, () => sim.contact(uniquePhone()));
  }, 120_000);

  afterAll(async () => {
    await t?.close({ drop: true });
  });

  const isStored = async (text: string): Promise<void> => {
    while (!stored.has(text)) await new Promise<void>((resolve) => storedWaiters.push(resolve));
  };
  const send = async (session: { id: string }, contact: SimContact, text: string): Promise<void> => {
    const res = await call(t, 'POST', `/sessions/${session.id}/messages`, { token: user.token, body: { to: contact.phoneNumber, text } });
    expect(res.status).toBe(201);
  };
  const decryptedByContact = (text: string) => sim.waitForSentMessage((m) => m.text === text && m.decryptedBy.includes('contact'), 60_000);
  const pairs = () => sessions.flatMap((session) => contacts.map((contact) => ({ session, contact })));

  it('decrypts and stores every message both ways when accounts and contacts write at once, with no decrypt failure', async () => {
    // Each pair has a Signal session both ways first (the contact's pkmsg, the account's answer).
    await Promise.all(pairs().map(async ({ session, contact }) => {
      const hello = `hello ${contact.phoneNumber} → ${session.phone}`;
      await contact.sendText(session.phone, hello);
      await isStored(hello);
      const answer = `welcome ${session.phone} → ${contact.phoneNumber}`;
      const got = decryptedByContact(answer);
      await send(session, contact, answer);
      await got;
    }));

    // Then both sides of every pair write at the same moment.
    const inbound: string[] = [];
    const outbound: string[] = [];
    const traffic: Array<Promise<unknown>> = [];
    for (const { session, contact } of pairs()) {
      for (let i = 0; i < ROUNDS; i++) {
        const fromContact = `in ${i} ${contact.phoneNumber} → ${session.phone}`;
        const fromSession = `out ${i} ${session.phone} → ${contact.phoneNumber}`;
        inbound.push(fromContact);
        outbound.push(fromSession);
        traffic.push(contact.sendText(session.phone, fromContact), decryptedByContact(fromSession), send(session, contact, fromSession));
      }
    }
    await Promise.all(traffic);
    await Promise.all([...inbound, ...outbound].map(isStored));

    expect(failures).toEqual([]);
    for (const { id } of sessions) {
      const res = await call(t, 'GET', `/chats?sessionId=${id}&limit=100`, { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(CONTACTS);
    }
    // Each contact decrypted each of the account's messages at the first try.
    for (const text of outbound) {
      const copies = sim.sentMessages().filter((m) => m.text === text);
      expect(copies.map((m) => m.decryptedBy.includes('contact'))).toEqual([true]);
    }
  }, 180_000);

  /** The session's messages with a contact, as GET /chats/:jid/messages serves them. */
  const messagesWith = async (session: { id: string }, contact: SimContact): Promise<Array<Record<string, unknown>>> => {
    const res = await call(t, 'GET', `/chats/${contact.phoneNumber}/messages?sessionId=${session.id}&limit=100`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body.data;
  };

  it('recovers a message the session cannot decrypt through the retry receipt: the contact sends it again, the stub is completed', async () => {
    const session = sessions[0]!;
    const contact = sim.contact(uniquePhone());
    await contact.sendText(session.phone, 'before the garbled one');
    await isStored('before the garbled one');
    const asked = sim.waitFor('receipt', (r) => r.type === 'retry' && r.phoneNumber === session.phone);
    const resent = sim.waitFor('inboundRetried', (r) => r.from === contact.phoneNumber);
    const stubbed = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.type === 'ciphertext'));
    contact.garbleNext(session.phone);
    const text = `garbled on the way ${Date.now()}`;
    const id = await contact.sendText(session.phone, text);
    expect((await stubbed).payload.messages.find((m) => m.type === 'ciphertext')?.id).toBe(id);
    expect((await asked).messageIds).toEqual([id]);
    expect((await resent).id).toBe(id);
    await isStored(text);
    const messages = (await messagesWith(session, contact)).filter((m) => m.id === id);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ id, text, fromMe: false, type: 'conversation' });
    failures.length = 0;
  }, 60_000);

  it('keeps a message that never decrypts as a stub with its sender and time', async () => {
    const session = sessions[1]!;
    const contact = sim.contact(uniquePhone());
    await contact.sendText(session.phone, 'hello before the lost one');
    await isStored('hello before the lost one');
    // The message and each of its 5 re-sends arrive garbled: Baileys asks 5 times (maxMsgRetryCount), then gives up.
    contact.garbleNext(session.phone, 6);
    const before = Math.floor(Date.now() / 1000);
    let resends = 0;
    let allResent!: () => void;
    const fiveResends = new Promise<void>((resolve) => (allResent = resolve));
    const off = sim.on('inboundRetried', (r) => {
      if (r.from === contact.phoneNumber && ++resends === 5) allResent();
    });
    const id = await contact.sendText(session.phone, 'never readable');
    await fiveResends;
    off();
    // A socket handles a contact's messages in order: once the next one is stored, the last garbled copy was handled.
    await contact.sendText(session.phone, 'after the lost one');
    await isStored('after the lost one');
    const messages = (await messagesWith(session, contact)).filter((m) => m.id === id);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ id, fromMe: false, type: 'ciphertext', text: null, senderPhone: contact.phoneNumber });
    expect(messages[0]!.timestamp).toBeGreaterThanOrEqual(before);
    failures.length = 0;
  }, 60_000);
});
