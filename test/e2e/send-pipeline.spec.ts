/**
 * The send pipeline end to end (CONTRACT.md Part 3): Idempotency-Key on the sending routes and a
 * paced session's queue, with the app in sandbox mode, its real Baileys session on the in-process
 * simulator, and the contact's inbox telling what arrived; on PostgreSQL and on PGlite. The crash of a paced queue is
 * send-queue-crash.spec.ts.
 */
import { DataSource } from 'typeorm';
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { newMessageId } from '../../src/whatsapp/message-ids.js';
import { call, expectErrorShape, type ApiResponse, type Json } from '../support/auth-helpers.js';
import { png, upload } from '../support/media-fixtures.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// On PostgreSQL and on the embedded database (PGlite), which must both hold keys and queues alike.
describe.each([['PostgreSQL', false], ['PGlite', true]])('send pipeline on %s', (_database, embedded) => {
  let t: TestApp;
  let alice: TestUser;
  let mallory: TestUser;
  let session: { id: string; phone: string };
  const contact = uniquePhone();

  const sim = () => t.app.get(SandboxService).simulator;
  const inbox = async (): Promise<Json[]> => (await call(t, 'GET', `/sandbox/contacts/${contact}/inbox?from=${session.phone}`, { token: alice.token })).body.messages;
  const sendMessage = (message: string, key?: string, token = alice.token): Promise<ApiResponse> =>
    call(t, 'POST', `/sessions/${session.id}/send-message`, { token, body: { number: contact, message }, headers: key === undefined ? {} : { 'idempotency-key': key } });
  const arrived = (id: string) => sim().waitForSentMessage((m) => m.id === id && m.decryptedBy.includes('contact'), 20_000);
  const setPacing = (pacing: Json) => call(t, 'PATCH', `/sessions/${session.id}`, { token: alice.token, body: { pacing } });

  beforeAll(async () => {
    t = await startTestApp({ embedded, env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    mallory = await newUser(t);
    session = await linkSandboxSession(t, alice.token);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  describe('Idempotency-Key', () => {
    it('sends once for the same request 5× in parallel and again later, answering the first answer each time', async () => {
      const key = `order-${Date.now()}`;
      const answers = await Promise.all(Array.from({ length: 5 }, () => sendMessage('idempotent hello', key)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      const first = answers[0]!.body;
      expect(first).toEqual({ success: true, data: { messageId: expect.any(String), to: `${contact}@s.whatsapp.net`, timestamp: expect.any(Number) } });
      for (const a of answers) expect(a.body).toEqual(first);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
      await arrived(first.data.messageId);

      const later = await sendMessage('idempotent hello', key);
      expect(later.status).toBe(200);
      expect(later.body).toEqual(first);
      // A send after the repeats is the next one in the inbox: none of the repeats is in flight.
      const marker = await sendMessage('after the repeats');
      await arrived(marker.body.data.messageId);
      expect((await inbox()).filter((m) => m.text === 'idempotent hello')).toHaveLength(1);
    });

    it('answers 422 IDEMPOTENCY_KEY_REUSED for the key with another body, and 400 for a bad key', async () => {
      const key = `reuse-${Date.now()}`;
      expect((await sendMessage('first body', key)).status).toBe(200);
      expectErrorShape(await sendMessage('another body', key), 422, 'IDEMPOTENCY_KEY_REUSED');
      expectErrorShape(await call(t, 'POST', `/sessions/${session.id}/messages`, { token: alice.token, body: { to: contact, text: 'first body' }, headers: { 'idempotency-key': key } }), 422, 'IDEMPOTENCY_KEY_REUSED');
      expectErrorShape(await sendMessage('x', 'k'.repeat(256)), 400, 'VALIDATION_ERROR');
      expectErrorShape(await sendMessage('x', 'tab\tinside'), 400, 'VALIDATION_ERROR');
      // A header value with bytes outside ASCII (Latin-1 on the wire).
      const res = await fetch(`${t.baseUrl}/sessions/${session.id}/send-message`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json', 'idempotency-key': 'caf\u00e9' },
        body: JSON.stringify({ number: contact, message: 'x' }),
      });
      expectErrorShape({ status: res.status, headers: res.headers, body: await res.json() }, 400, 'VALIDATION_ERROR');
    });

    it('frees the key when the first request was refused before sending (a 4xx), and scopes keys per tenant', async () => {
      const key = `refused-${Date.now()}`;
      expectErrorShape(await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, body: { number: 'nope', message: 'x' }, headers: { 'idempotency-key': key } }), 400);
      expect((await sendMessage('after a refusal', key)).status).toBe(200);
      // Mallory's key of the same name is hers: it does not reach Alice's answer (and her session is a 404).
      expectErrorShape(await sendMessage('after a refusal', key, mallory.token), 404);
    });

    it('makes a chat send idempotent too', async () => {
      const key = `chat-${Date.now()}`;
      const send = () => call(t, 'POST', `/chats/${contact}/messages?sessionId=${session.id}`, { token: alice.token, body: { content: 'chat once' }, headers: { 'idempotency-key': key } });
      const answers = await Promise.all([send(), send(), send()]);
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      await arrived(answers[0]!.body.id);
      expect((await inbox()).filter((m) => m.text === 'chat once')).toHaveLength(1);
    });
  });

  describe('pacing and the queue', () => {
    afterEach(async () => {
      await setPacing(null);
    });

    it('validates pacing, scoped to the tenant', async () => {
      expectErrorShape(await setPacing({ minIntervalMs: 500, maxIntervalMs: 100, typing: false }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await setPacing({ minIntervalMs: -1, maxIntervalMs: 100, typing: false }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await setPacing({ minIntervalMs: 1, maxIntervalMs: 2 }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await call(t, 'PATCH', `/sessions/${session.id}`, { token: alice.token, body: { pacing: null, other: 1 } }), 400, 'VALIDATION_ERROR');
      expectErrorShape(await call(t, 'PATCH', `/sessions/${session.id}`, { token: mallory.token, body: { pacing: null } }), 404, 'NOT_FOUND');
      expectErrorShape(await call(t, 'GET', `/sessions/${session.id}/queue`, { token: mallory.token }), 404, 'NOT_FOUND');
      expectErrorShape(await call(t, 'DELETE', `/sessions/${session.id}/queue/3EB0ABCDEF`, { token: mallory.token }), 404, 'NOT_FOUND');
      const ok = await setPacing({ minIntervalMs: 10, maxIntervalMs: 20, typing: true });
      expect(ok.status).toBe(200);
      expect(ok.body.data.pacing).toEqual({ minIntervalMs: 10, maxIntervalMs: 20, typing: true });
      expect((await setPacing(null)).body.data.pacing).toBeNull();
    });

    it('queues a paced send (202), sends it with typing before it, and reports it sent', async () => {
      await setPacing({ minIntervalMs: 20, maxIntervalMs: 60, typing: true });
      const sent = nextEvent(t, 'session.messages.update', (e) => e.sessionId === session.id && e.payload.updates.some((u) => u.queueStatus === 'sent'));
      let typedBeforeArrival = false;
      void sim().waitFor('presence', (p) => p.from === session.phone && p.to === contact && p.presence === 'composing', 20_000).then(() => (typedBeforeArrival = true), () => undefined);
      const moves: Array<{ id: string; queueStatus?: string; status: string }> = [];
      const off = t.app.get(DomainEvents).onCommit('session.messages.update', (e) => {
        if (e.payload.source === 'queue') moves.push(...e.payload.updates.map((u) => ({ id: u.messageId, queueStatus: u.queueStatus, status: u.status })));
      });
      const res = await call(t, 'POST', `/sessions/${session.id}/messages`, { token: alice.token, body: { to: contact, text: 'paced hello' } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: expect.stringMatching(/^3EB0/), status: 'queued', chatJid: `${contact}@s.whatsapp.net`, scheduledAt: expect.any(String) });
      const update = (await sent).payload.updates[0]!;
      expect(update).toMatchObject({ messageId: res.body.id, status: 'sent', queueStatus: 'sent', chatJid: `${contact}@s.whatsapp.net` });
      off();
      // Every move was an event, in order.
      expect(moves.filter((m) => m.id === res.body.id).map((m) => `${m.queueStatus}/${m.status}`)).toEqual(['queued/pending', 'sending/pending', 'sent/sent']);
      const message = await arrived(res.body.id);
      expect(message.text).toBe('paced hello');
      // The contact saw "typing…" before the message (the simulator's presence event came first).
      expect(typedBeforeArrival).toBe(true);
      // Seed 001's route answers the same in its shape, and the chat send too.
      const sentIds = new Set<string>();
      const bothSent = nextEvent(t, 'session.messages.update', (e) => {
        for (const u of e.payload.updates) if (u.queueStatus === 'sent') sentIds.add(u.messageId);
        return sentIds.size >= 2;
      });
      const seed001 = await sendMessage('paced seed 001');
      expect(seed001.status).toBe(202);
      expect(seed001.body).toEqual({ success: true, id: expect.any(String), status: 'queued', chatJid: `${contact}@s.whatsapp.net`, scheduledAt: expect.any(String) });
      const chat = await call(t, 'POST', `/chats/${contact}/messages?sessionId=${session.id}`, { token: alice.token, body: { content: 'paced chat' } });
      expect(chat.status).toBe(202);
      await arrived(seed001.body.id);
      await arrived(chat.body.id);
      await bothSent;
      expect([...sentIds].sort()).toEqual([seed001.body.id, chat.body.id].sort());
      const stored = await call(t, 'GET', `/chats/${contact}/messages?sessionId=${session.id}`, { token: alice.token });
      expect(stored.body.data.map((m: Json) => m.id)).toEqual(expect.arrayContaining([res.body.id, seed001.body.id, chat.body.id]));
    });

    it('lists the queue and cancels a queued send; a paced send is idempotent too', async () => {
      await setPacing({ minIntervalMs: 60_000, maxIntervalMs: 60_000, typing: false });
      // The first goes at once (no send in the last minute? the previous test's did): either way, the next two wait.
      const key = `paced-${Date.now()}`;
      const one = await sendMessage('queued one', key);
      const again = await sendMessage('queued one', key);
      expect(again.body).toEqual(one.body);
      expect(again.status).toBe(202);
      const two = await sendMessage('queued two');
      const list = await call(t, 'GET', `/sessions/${session.id}/queue`, { token: alice.token });
      expect(list.status).toBe(200);
      const mine = list.body.data.filter((i: Json) => [one.body.id, two.body.id].includes(i.id));
      expect(mine.map((i: Json) => i.id)).toEqual([one.body.id, two.body.id]);
      expect(mine[1]).toMatchObject({ status: 'queued', content: 'queued two', chatJid: `${contact}@s.whatsapp.net`, sentAt: null });

      const cancelledEvent = nextEvent(t, 'session.messages.update', (e) => e.payload.updates.some((u) => u.messageId === two.body.id && u.queueStatus === 'cancelled'));
      const cancelled = await call(t, 'DELETE', `/sessions/${session.id}/queue/${two.body.id}`, { token: alice.token });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.data).toMatchObject({ id: two.body.id, status: 'cancelled' });
      await cancelledEvent;
      expectErrorShape(await call(t, 'DELETE', `/sessions/${session.id}/queue/${two.body.id}`, { token: alice.token }), 409, 'QUEUE_ITEM_NOT_CANCELLABLE');
      expectErrorShape(await call(t, 'DELETE', `/sessions/${session.id}/queue/3EB0NOSUCHSEND`, { token: alice.token }), 404, 'NOT_FOUND');
      expectErrorShape(await call(t, 'DELETE', `/sessions/${session.id}/queue/not%20an%20id`, { token: alice.token }), 400);
      expectErrorShape(await call(t, 'GET', `/sessions/${session.id}/queue?cursor=%%%`, { token: alice.token }), 400);

      const all = await call(t, 'GET', `/sessions/${session.id}/queue?all=true&limit=200`, { token: alice.token });
      expect(all.body.data.find((i: Json) => i.id === two.body.id).status).toBe('cancelled');
      // Pacing off: what is still queued goes at once.
      const firstSent = nextEvent(t, 'session.messages.update', (e) => e.payload.updates.some((u) => u.messageId === one.body.id && u.queueStatus === 'sent'));
      await setPacing(null);
      await firstSent;
      expect((await call(t, 'GET', `/sessions/${session.id}/queue`, { token: alice.token })).body.data).toEqual([]);
      expect((await inbox()).some((m) => m.text === 'queued two')).toBe(false);
    });

    it('queues an uploaded image with its caption and a reply, sent in order as they were queued', async () => {
      const image = await upload(t, { token: alice.token, kind: 'image', file: { bytes: await png(), fileName: 'p.png', type: 'image/png' } });
      expect(image.status).toBe(201);
      const stored = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.text === 'to be quoted'));
      const quoted = await sendMessage('to be quoted');
      await stored;
      await setPacing({ minIntervalMs: 10, maxIntervalMs: 20, typing: false });
      const chat = (body: Json) => call(t, 'POST', `/chats/${contact}/messages?sessionId=${session.id}`, { token: alice.token, body });
      const media = await chat({ mediaId: image.body.id, content: 'a paced picture' });
      const reply = await chat({ content: 'a paced reply', replyToMessageId: quoted.body.data.messageId });
      expect([media.status, reply.status]).toEqual([202, 202]);
      expectErrorShape(await chat({ content: 'x', replyToMessageId: '3EB0NOSUCHMESSAGE' }), 404, 'NOT_FOUND');
      const sentMedia = await arrived(media.body.id);
      const sentReply = await arrived(reply.body.id);
      expect(sentMedia.media).toMatchObject({ kind: 'image', caption: 'a paced picture' });
      expect(sentReply).toMatchObject({ text: 'a paced reply', quotedId: quoted.body.data.messageId });
      const ids = sim().sentMessages(session.phone).filter((m) => m.toPhoneNumber === contact).map((m) => m.id);
      expect(ids.indexOf(media.body.id)).toBeLessThan(ids.indexOf(reply.body.id));
    });

    it('checks a send whose outcome a crash left unknown against the stored messages before sending it again', async () => {
      const dataSource = t.app.get(DataSource);
      // Sent and stored, but still marked in flight (the crash came before the queue row was updated).
      const upserted = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.text === 'stored before the crash'));
      const stored = await sendMessage('stored before the crash');
      await arrived(stored.body.data.messageId);
      await upserted;
      // Marked in flight, never sent (the crash came before WhatsApp got it).
      const lost = newMessageId();
      const insert = `INSERT INTO send_queue (session_id, id, tenant_id, chat_jid, payload, status, attempts, scheduled_at) VALUES ($1, $2, $3, $4, $5, 'sending', 1, now())`;
      const payload = (text: string) => JSON.stringify({ kind: 'text', content: text, userId: alice.userId });
      await dataSource.query(insert, [session.id, stored.body.data.messageId, alice.tenantId, `${contact}@s.whatsapp.net`, payload('stored before the crash')]);
      await dataSource.query(insert, [session.id, lost, alice.tenantId, `${contact}@s.whatsapp.net`, payload('lost in the crash')]);
      const bothSent = new Set<string>();
      const done = nextEvent(t, 'session.messages.update', (e) => {
        for (const u of e.payload.updates) if (u.queueStatus === 'sent') bothSent.add(u.messageId);
        return bothSent.has(lost) && bothSent.has(stored.body.data.messageId);
      });
      await setPacing({ minIntervalMs: 0, maxIntervalMs: 0, typing: false });
      await done;
      await arrived(lost);
      const copies = (id: string) => sim().sentMessages(session.phone).filter((m) => m.id === id && m.toPhoneNumber === contact);
      expect(copies(stored.body.data.messageId)).toHaveLength(1);
      expect(copies(lost)).toHaveLength(1);
      expect(copies(lost)[0]!.text).toBe('lost in the crash');
    });

    it('keeps the direct path when pacing is off', async () => {
      const res = await sendMessage('direct again');
      expect(res.status).toBe(200);
      await arrived(res.body.data.messageId);
    });
  });
});
