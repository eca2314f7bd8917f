/**
 * Pairing-code login end to end (issue 12 item 5): the app asks the real Baileys socket for a code,
 * the simulated phone enters it (sandbox endpoint), the session connects. A wrong code pairs
 * nothing and leaves the session usable; an abandoned attempt leaves no credentials behind.
 */
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { awaitStatus, newUser, nextEvent, openSseWithHeaders, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { PreKeyPrefetch } from '../../src/whatsapp/prekey-prefetch.js';

describe('pairing-code login', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    bob = await newUser(t);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  /** A REST session showing its QR. */
  async function waitingSession(user: TestUser): Promise<string> {
    const created = await call(t, 'POST', '/sessions', { token: user.token });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await awaitStatus(t, user.token, id, 'qr_required', 60_000);
    return id;
  }

  const requestCode = (user: TestUser, id: string, phoneNumber: string) => call(t, 'POST', `/sessions/${id}/pairing-code`, { token: user.token, body: { phoneNumber } });
  const enterCode = (user: TestUser, id: string, code: string) => call(t, 'POST', `/sandbox/sessions/${id}/pairing-code`, { token: user.token, body: { code } });

  it('REST: the code is entered on the phone and the session connects; the event carries it', async () => {
    const phone = uniquePhone();
    const appliedBefore = t.app.get(PreKeyPrefetch).applied;
    const id = await waitingSession(alice);
    const event = nextEvent(t, 'session.pairing-code', (e) => e.sessionId === id, 60_000);
    const res = await requestCode(alice, id, phone);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, code: expect.stringMatching(/^[1-9A-HJ-NP-TV-Z]{8}$/) });
    expect((await event).payload).toEqual({ tenantId: alice.tenantId, code: res.body.code, phoneNumber: phone });
    const connected = nextEvent(t, 'session.status.changed', (e) => e.sessionId === id && e.payload.status === 'connected', 60_000);
    const entered = await enterCode(alice, id, res.body.code as string);
    expect(entered.status).toBe(200);
    expect((await connected).payload).toMatchObject({ phone, newlyPaired: true });
    const row = await call(t, 'GET', `/sessions/${id}`, { token: alice.token });
    expect(row.body.data).toMatchObject({ status: 'connected', phone });
    // The pre-keys were made off the event loop after the QR, as for a scan (prekey-prefetch.ts).
    expect(t.app.get(PreKeyPrefetch).applied).toBe(appliedBefore + 1);
  });

  it('refuses bad input with 400, another tenant with 404, a session not waiting for a scan with 409', async () => {
    const id = await waitingSession(alice);
    for (const phoneNumber of ['', '12', '+5491112345678', 'abc', 5491112345678, '1234567890123456']) {
      expectErrorShape(await requestCode(alice, id, phoneNumber as string), 400);
    }
    expectErrorShape(await call(t, 'POST', `/sessions/${id}/pairing-code`, { token: alice.token, body: {} }), 400);
    expectErrorShape(await requestCode(bob, id, uniquePhone()), 404, 'NOT_FOUND');
    const stopped = await call(t, 'POST', `/sessions/${id}/stop`, { token: alice.token });
    expect(stopped.status).toBe(200);
    expectErrorShape(await requestCode(alice, id, uniquePhone()), 409, 'CONFLICT');
  });

  it('a wrong code pairs nothing; the abandoned attempt leaves no credentials, and the session still links', async () => {
    const phone = uniquePhone();
    const id = await waitingSession(alice);
    const res = await requestCode(alice, id, phone);
    expect(res.status).toBe(200);
    const code = res.body.code as string;
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    expectErrorShape(await enterCode(alice, id, wrong), 400);
    const row = await call(t, 'GET', `/sessions/${id}`, { token: alice.token });
    expect(row.body.data).toMatchObject({ status: 'qr_required', phone: null });
    // A new socket loads the stored credentials: the provisional `me` must not make it a login (401).
    const restarted = await call(t, 'POST', `/sessions/${id}/restart`, { token: alice.token });
    expect(restarted.status).toBe(200);
    await awaitStatus(t, alice.token, id, 'qr_required', 60_000);
    const connected = nextEvent(t, 'session.status.changed', (e) => e.sessionId === id && e.payload.status === 'connected', 60_000);
    await sandboxScan(t, alice.token, id, phone);
    expect((await connected).payload).toMatchObject({ phone, newlyPaired: true });
  });

  it('SSE with ?phoneNumber=: a pairingCode message in place of the QR, then open once the phone enters it', async () => {
    const phone = uniquePhone();
    const { recorder, abort } = openSseWithHeaders(t, { authorization: `Bearer ${alice.token}` }, `?phoneNumber=${phone}`);
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    const pairing = await recorder.next((m) => typeof m.pairingCode === 'string');
    expect(pairing).toEqual({ connection: 'connecting', pairingCode: expect.stringMatching(/^[1-9A-HJ-NP-TV-Z]{8}$/), sessionId });
    const entered = await enterCode(alice, sessionId as string, pairing.pairingCode as string);
    expect(entered.status).toBe(200);
    const open = await recorder.next((m) => m.connection === 'open');
    expect(open).toMatchObject({ connection: 'open', sessionId });
    expect(recorder.messages.some((m) => m.qr)).toBe(false);
    abort();
  });
});
