/**
 * The sandbox contact endpoints end to end: the app on a random port in sandbox mode, its real
 * Baileys sessions on the in-process simulator, and a real HTTP client. What the session receives is
 * observed through the app's events and the session's own receipts; what it sends, in the inbox.
 */
import { randomBytes } from 'node:crypto';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { newUser, nextEvent, openSseWithHeaders, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('sandbox contact endpoints', () => {
  let t: TestApp;
  let alice: TestUser;
  let session: { id: string; phone: string };
  const contact = uniquePhone();

  const sim = () => t.app.get(SandboxService).simulator;
  const post = (path: string, body: unknown, token = alice.token) => call(t, 'POST', `/sandbox/contacts/${contact}/${path}`, { token, body });
  /** The session acknowledged the contact's message `id` (it decrypted it). */
  const sessionGot = (id: string) => sim().waitFor('receipt', (r) => r.phoneNumber === session.phone && r.messageIds.includes(id) && ['', 'inactive'].includes(r.type));

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    const { recorder } = openSseWithHeaders(t, { authorization: `Bearer ${alice.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    const phone = uniquePhone();
    await sandboxScan(t, alice.token, sessionId, phone);
    await recorder.next((m) => m.connection === 'open');
    await recorder.ended();
    session = { id: sessionId, phone };
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  async function sessionSends(text: string): Promise<string> {
    const res = await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, body: { number: contact, message: text } });
    expect(res.status).toBe(200);
    const id = res.body.data.messageId as string;
    await sim().waitForSentMessage((m) => m.id === id && m.decryptedBy.includes('contact'));
    return id;
  }

  it('sends a text, then a reply to it, then edits and revokes it', async () => {
    const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.text === 'first');
    const first = await post('messages', { to: session.phone, text: 'first', pushName: 'Zoe' });
    expect(first.status).toBe(200);
    const firstId = first.body.messageId as string;
    expect((await received).payload.messageId).toBe(firstId);

    const replied = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.text === 'a reply');
    const reply = await post('messages', { to: session.phone, text: 'a reply', quotedMessageId: firstId });
    expect(reply.body).toEqual({ success: true, messageId: expect.any(String) });
    await replied;

    const edit = await post('edits', { to: session.phone, messageId: firstId, text: 'first, edited' });
    expect(edit.body).toEqual({ success: true, messageId: expect.any(String) });
    await sessionGot(edit.body.messageId);
    const revoke = await post('revokes', { to: session.phone, messageId: firstId, addressing: 'lid' });
    expect(revoke.status).toBe(200);
    await sessionGot(revoke.body.messageId);
  });

  it('sends an image the session receives as media', async () => {
    const data = randomBytes(2048);
    const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.messageType === 'image');
    const res = await post('messages', { to: session.phone, media: { kind: 'image', mimetype: 'image/png', data: data.toString('base64'), caption: 'a picture' } });
    expect(res.status).toBe(200);
    const event = await received;
    expect(event.payload.messageId).toBe(res.body.messageId);
  });

  it('reacts to a session message, and reports it delivered, read and played (several ids at once)', async () => {
    const ids = [await sessionSends('one'), await sessionSends('two')];
    const reaction = await post('reactions', { to: session.phone, messageId: ids[0], emoji: '👍' });
    expect(reaction.status).toBe(200);
    await sessionGot(reaction.body.messageId);
    const removed = await post('reactions', { to: session.phone, messageId: ids[0], emoji: '' });
    expect(removed.status).toBe(200);

    // The contact's automatic receipts may already have taken both to `read` (a status only moves
    // forward): delivered and read are accepted either way; `played` always moves them on.
    for (const type of ['delivered', 'read'] as const) {
      const res = await post('receipts', { to: session.phone, messageIds: ids, type });
      expect(res.body).toEqual({ success: true, affectedConnections: 1 });
    }
    const played = nextEvent(t, 'session.messages.update', (e) => e.sessionId === session.id && ids.every((id) => e.payload.updates.some((u) => u.messageId === id && u.status === 'played')));
    const res = await post('receipts', { to: session.phone, messageIds: ids, type: 'played' });
    expect(res.body).toEqual({ success: true, affectedConnections: 1 });
    await played;
  });

  it('shows its presence to the session', async () => {
    const update = nextEvent(t, 'session.presence.update', (e) => e.sessionId === session.id && e.payload.updates.some((u) => u.presence === 'composing'));
    const res = await post('presence', { to: session.phone, presence: 'composing' });
    expect(res.body).toEqual({ success: true });
    await update;
  });

  it("lists what the session sent in the contact's inbox, decoded, without media bytes", async () => {
    const id = await sessionSends('for the inbox');
    const res = await call(t, 'GET', `/sandbox/contacts/${contact}/inbox?from=${session.phone}`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.messages).toEqual(expect.arrayContaining([expect.objectContaining({ id, kind: 'text', text: 'for the inbox', forwarded: false })]));
    expect(res.body.receipts.some((r: { type: string }) => r.type === 'delivered')).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain('"bytes"');
  });

  it('fails the next decryption and asks the session for a retry', async () => {
    const res = await post('fail-next-decrypt', { to: session.phone });
    expect(res.body).toEqual({ success: true });
    const asked = sim().waitFor('retryRequested', (r) => r.from === contact && r.to === session.phone);
    const id = await call(t, 'POST', `/sessions/${session.id}/send-message`, { token: alice.token, body: { number: contact, message: 'retry me' } });
    expect((await asked).id).toBe(id.body.data.messageId);
  });

  it('rejects bad input with 400 in the error shape', async () => {
    const to = session.phone;
    expectErrorShape(await call(t, 'POST', '/sandbox/contacts/12ab/reactions', { token: alice.token, body: { to, messageId: 'ABCDEF123', emoji: 'x' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('messages', { to }), 400);
    expectErrorShape(await post('messages', { to, media: { kind: 'image', mimetype: 'image/png', data: '***not base64***' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('messages', { to, media: { kind: 'hologram', mimetype: 'image/png', data: 'AAAA' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('reactions', { to, messageId: 'ABCDEF123' }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('edits', { to, messageId: 'not an id!', text: 'x' }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('receipts', { to, messageIds: [], type: 'read' }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('receipts', { to, messageIds: ['ABCDEF123'], type: 'seen' }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('presence', { to, presence: 'dancing' }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post('fail-next-decrypt', {}), 400, 'VALIDATION_ERROR');
    expectErrorShape(await call(t, 'GET', `/sandbox/contacts/${contact}/inbox`, { token: alice.token }), 400, 'VALIDATION_ERROR');
  });

  it("answers 404 for another tenant's session and 401 without credentials", async () => {
    const mallory = await newUser(t);
    const to = session.phone;
    expectErrorShape(await post('messages', { to, text: 'hi' }, mallory.token), 404, 'NOT_FOUND');
    expectErrorShape(await post('reactions', { to, messageId: 'ABCDEF123', emoji: '👍' }, mallory.token), 404, 'NOT_FOUND');
    expectErrorShape(await post('receipts', { to, messageIds: ['ABCDEF123'], type: 'read' }, mallory.token), 404, 'NOT_FOUND');
    expectErrorShape(await post('fail-next-decrypt', { to }, mallory.token), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'GET', `/sandbox/contacts/${contact}/inbox?from=${to}`, { token: mallory.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'POST', `/sandbox/contacts/${contact}/presence`, { body: { to, presence: 'composing' } }), 401);
  });
});
