/**
 * The sandbox's part-3 contact surface end to end (app in sandbox mode, its real Baileys sessions on
 * the in-process simulator, a real HTTP client): tenancy (numbers owned by the first scanner's
 * tenant, auth before the body is parsed), every message kind and poll votes from a contact,
 * declared contacts, calls; bad input is a 400 in the error shape, another tenant gets 404/409.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { awaitStatus, newUser, nextEvent, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('sandbox: tenancy, message kinds, votes, declared contacts, calls', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let aliceSession: { id: string; phone: string };
  let bobSession: { id: string; phone: string };
  const contact = uniquePhone();

  const sim = () => t.app.get(SandboxService).simulator;
  const post = (path: string, body: unknown, token = alice.token) => call(t, 'POST', `/sandbox/contacts/${contact}/${path}`, { token, body });
  /** The session acknowledged the contact's message `id` (it decrypted it). */
  const sessionGot = (phone: string, id: string) => sim().waitFor('receipt', (r) => r.phoneNumber === phone && r.messageIds.includes(id) && ['', 'inactive'].includes(r.type));

  async function sessionWithQr(token: string): Promise<string> {
    const created = await call(t, 'POST', '/sessions', { token });
    const id = created.body.id as string;
    await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === id);
    return id;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', BODY_LIMIT_BYTES: '65536' } });
    alice = await newUser(t);
    bob = await newUser(t);
    const aliceId = await sessionWithQr(alice.token);
    aliceSession = { id: aliceId, phone: uniquePhone() };
    await sandboxScan(t, alice.token, aliceId, aliceSession.phone);
    await awaitStatus(t, alice.token, aliceId, 'connected', 30_000);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  describe('tenancy', () => {
    it("another tenant's scan of an owned number is a 409 PHONE_IN_USE; its own number links", async () => {
      const bobId = await sessionWithQr(bob.token);
      const taken = await call(t, 'POST', `/sandbox/sessions/${bobId}/scan`, { token: bob.token, body: { phoneNumber: aliceSession.phone } });
      expectErrorShape(taken, 409, 'PHONE_IN_USE');
      bobSession = { id: bobId, phone: uniquePhone() };
      await sandboxScan(t, bob.token, bobId, bobSession.phone);
      await awaitStatus(t, bob.token, bobId, 'connected', 30_000);
    });

    it("a pairing code for another tenant's number is a 409 PHONE_IN_USE when the phone enters it", async () => {
      const id = await sessionWithQr(bob.token);
      await awaitStatus(t, bob.token, id, 'qr_required', 30_000);
      const requested = await call(t, 'POST', `/sessions/${id}/pairing-code`, { token: bob.token, body: { phoneNumber: aliceSession.phone } });
      expect(requested.status).toBe(200);
      const entered = await call(t, 'POST', `/sandbox/sessions/${id}/pairing-code`, { token: bob.token, body: { code: requested.body.code } });
      expectErrorShape(entered, 409, 'PHONE_IN_USE');
      expect(sim().pairedDevices(aliceSession.phone)).toHaveLength(1);
      await call(t, 'DELETE', `/sessions/${id}`, { token: bob.token });
    });

    it("contacts act only towards the caller's tenant's sessions, and never as another tenant's number", async () => {
      expectErrorShape(await post('messages', { to: bobSession.phone, text: 'hi bob' }), 404, 'NOT_FOUND');
      expectErrorShape(await post('votes', { to: bobSession.phone, messageId: '3EB0C767D82B4B5B1B3E', options: [] }), 404, 'NOT_FOUND');
      expectErrorShape(await post('calls', { to: bobSession.phone }), 404, 'NOT_FOUND');
      const asAlice = await call(t, 'POST', `/sandbox/contacts/${aliceSession.phone}/messages`, { token: bob.token, body: { to: bobSession.phone, text: 'I am Alice' } });
      expectErrorShape(asAlice, 409, 'PHONE_IN_USE');
      expectErrorShape(await call(t, 'POST', '/sandbox/contacts', { token: bob.token, body: { phone: aliceSession.phone } }), 409, 'PHONE_IN_USE');
      expectErrorShape(await call(t, 'GET', `/sandbox/contacts/${contact}/inbox?from=${aliceSession.phone}`, { token: bob.token }), 404, 'NOT_FOUND');
    });

    it('authenticates sandbox bodies before parsing them, and limits their size', async () => {
      const unauthenticated = await call(t, 'POST', `/sandbox/contacts/${contact}/messages`, { rawBody: '{"not json' });
      expectErrorShape(unauthenticated, 401, 'UNAUTHORIZED');
      const wrongKey = await call(t, 'POST', '/sandbox/contacts', { rawBody: '{', headers: { 'x-api-key': 'wak_wrong', 'x-user-id': alice.userId } });
      expectErrorShape(wrongKey, 401, 'UNAUTHORIZED');
      // Authenticated, the same body reaches the parser; past BODY_LIMIT_BYTES it is a 413.
      expectErrorShape(await call(t, 'POST', `/sandbox/contacts/${contact}/messages`, { token: alice.token, rawBody: '{"not json' }), 400);
      const big = await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body: { phone: uniquePhone(), picture: 'A'.repeat(70_000) } });
      expectErrorShape(big, 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  it('a contact sends a location, a live location, cards, a poll, a link preview and an event; the session decrypts each', async () => {
    const bodies = [
      { location: { latitude: -34.6037, longitude: -58.3816, name: 'Obelisco', address: 'Av. 9 de Julio' } },
      { location: { latitude: 1.5, longitude: 2.5, live: true } },
      { contacts: [{ phone: '5491122223333', displayName: 'Eva' }] },
      { contacts: [{ phone: '5491122223333' }, { vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Caro\nEND:VCARD' }] },
      { poll: { name: 'Lunch?', options: ['Pizza', 'Sushi'] } },
      { text: 'see https://example.com/a', linkPreview: { url: 'https://example.com/a', title: 'Example', description: 'An example' } },
      { event: { name: 'Launch', description: 'Party', startAt: '2030-01-02T15:00:00Z' } },
    ];
    for (const body of bodies) {
      const res = await post('messages', { to: aliceSession.phone, ...body });
      expect(res.status).toBe(200);
      await sessionGot(aliceSession.phone, res.body.messageId as string);
    }
  });

  it('a contact votes on its poll (an encrypted vote the session decrypts); an unknown option is refused', async () => {
    const poll = await post('messages', { to: aliceSession.phone, poll: { name: 'When?', options: ['Mon', 'Tue'], selectableCount: 1 } });
    expect(poll.status).toBe(200);
    const pollId = poll.body.messageId as string;
    await sessionGot(aliceSession.phone, pollId);
    const vote = await post('votes', { to: aliceSession.phone, messageId: pollId, options: ['Tue'] });
    expect(vote.body).toEqual({ success: true, messageId: expect.any(String) });
    await sessionGot(aliceSession.phone, vote.body.messageId as string);
    expectErrorShape(await post('votes', { to: aliceSession.phone, messageId: pollId, options: ['Wed'] }), 409);
    expectErrorShape(await post('votes', { to: aliceSession.phone, messageId: '3EB0AAAAAAAAAAAAAAAA', options: ['Mon'] }), 409);
  });

  it('declares a registered contact with about and picture', async () => {
    const phone = uniquePhone();
    const picture = Buffer.from('a tiny jpeg stand-in').toString('base64');
    const res = await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body: { phone, registered: true, name: 'Declared', about: 'Hola', picture } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, phone, jid: `${phone}@s.whatsapp.net`, lid: expect.stringMatching(/@lid$/), registered: true });
    expect(sim().profileOf(phone)).toMatchObject({ about: 'Hola', picture: { size: Buffer.from(picture, 'base64').length } });
    expectErrorShape(await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body: { phone: aliceSession.phone } }), 409, 'CONFLICT');
  });

  it('a contact calls the session; unanswered, the caller sees it time out', async () => {
    const res = await post('calls', { to: aliceSession.phone, isVideo: true, ringSeconds: 1 });
    expect(res.body).toEqual({ success: true, callId: expect.stringMatching(/^[0-9A-F]{32}$/) });
    const callId = res.body.callId as string;
    await sim().waitFor('call', (c) => c.callId === callId && c.status === 'timeout', 10_000);
    const calls = await call(t, 'GET', `/sandbox/contacts/${contact}/calls`, { token: alice.token });
    expect(calls.body.data).toEqual([expect.objectContaining({ callId, to: aliceSession.phone, isVideo: true, status: 'timeout', endedAt: expect.any(String) })]);
    // Bob's tenant sees none of Alice's calls.
    expect((await call(t, 'GET', `/sandbox/contacts/${contact}/calls`, { token: bob.token })).body.data).toEqual([]);
  });

  it("the phone marks a chat unread and deletes one (app state the session syncs)", async () => {
    const synced = sim().waitFor('appState', (m) => m.phoneNumber === aliceSession.phone && m.source === 'phone' && m.index[0] === 'deleteChat');
    const res = await call(t, 'POST', `/sandbox/phones/${aliceSession.phone}/app-state`, {
      token: alice.token,
      body: { markRead: [{ phoneNumber: contact, read: false }], deleteChat: [{ phoneNumber: contact }] },
    });
    expect(res.body).toEqual({ success: true, versions: { regular_low: expect.any(Number), regular_high: expect.any(Number) } });
    expect((await synced).index).toEqual(['deleteChat', `${contact}@s.whatsapp.net`, '1']);
    expectErrorShape(await call(t, 'POST', `/sandbox/phones/${aliceSession.phone}/app-state`, { token: alice.token, body: { markRead: [{ phoneNumber: contact }] } }), 400);
  });

  it('refuses bad input to every new field and endpoint with a 400 in the error shape', async () => {
    const to = aliceSession.phone;
    const bad: [string, unknown][] = [
      ['messages', { to }],
      ['messages', { to, location: { latitude: 91, longitude: 0 } }],
      ['messages', { to, location: { latitude: 'x', longitude: 0 } }],
      ['messages', { to, text: 'x', location: { latitude: 1, longitude: 1 } }],
      ['messages', { to, contacts: [] }],
      ['messages', { to, contacts: [{ displayName: 'nobody' }] }],
      ['messages', { to, contacts: [{ phone: '1', displayName: 'x' }] }],
      ['messages', { to, poll: { name: 'Q', options: ['only one'] } }],
      ['messages', { to, poll: { name: 'Q', options: ['a', 'a'] } }],
      ['messages', { to, poll: { name: 'Q', options: ['a', 'b'], selectableCount: 3 } }],
      ['messages', { to, poll: { name: 'Q\ud800', options: ['a', 'b'] } }],
      ['messages', { to, linkPreview: { url: 'https://example.com', title: 'no text' } }],
      ['messages', { to, text: 'x', linkPreview: { url: 'http://example.com', title: 't' } }],
      ['messages', { to, event: { name: 'E', startAt: 'tomorrow' } }],
      ['messages', { to, poll: { name: 'Q', options: ['a', 'b'] }, event: { name: 'E', startAt: '2030-01-01T00:00:00Z' } }],
      ['votes', { to, messageId: 'not an id', options: [] }],
      ['votes', { to, messageId: '3EB0C767D82B4B5B1B3E', options: 'Tue' }],
      ['votes', { to, messageId: '3EB0C767D82B4B5B1B3E' }],
      ['calls', { to, isVideo: 'yes' }],
      ['calls', { to, ringSeconds: 0 }],
      ['calls', { to: 'abc' }],
    ];
    for (const [path, body] of bad) expectErrorShape(await post(path, body), 400);
    for (const body of [{}, { phone: '12' }, { phone: uniquePhone(), registered: false }, { phone: uniquePhone(), picture: 'not base64!' }, { phone: uniquePhone(), about: '\u0000\ud800' }]) {
      expectErrorShape(await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body }), 400);
    }
    expectErrorShape(await call(t, 'GET', '/sandbox/contacts/12/calls', { token: alice.token }), 400);
  });
});
