/**
 * The sandbox endpoints of the simulated phone, end to end: scan with a push name and a history
 * fixture, app-state changes on the phone, and the pairing-code entry (its checks; the session side
 * of a pairing-code login belongs to the sessions' own tests).
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { newUser, openSseWithHeaders, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('sandbox: the simulated phone', () => {
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

  const sim = () => t.app.get(SandboxService).simulator;

  /** A session showing its QR. */
  async function pendingSession(user: TestUser) {
    const { recorder, abort } = openSseWithHeaders(t, { authorization: `Bearer ${user.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    return { sessionId: sessionId as string, recorder, abort };
  }

  it('scans with a push name and a history fixture: the first login gets both', async () => {
    const phone = uniquePhone();
    const { sessionId, abort } = await pendingSession(alice);
    const opened = sim().waitFor('opened', (o) => o.phoneNumber === phone, 60_000);
    const historySent = sim().waitFor('historySent', (h) => h.phoneNumber === phone, 60_000);
    const res = await sandboxScan(t, alice.token, sessionId, phone, { pushName: 'Ana García', history: { chats: 3, messagesPerChat: 5 } });
    expect(res).toEqual({ success: true, phoneNumber: phone, deviceId: expect.any(Number), accountType: 'personal' });
    await opened;
    expect(await historySent).toMatchObject({ phoneNumber: phone, messages: 15 });
    abort();
    expect(sim().historyFixture(phone)).toHaveLength(3);
    expect(sim().pairedDevices(phone)[0]?.pushName).toBe('Ana García');
    expect(sim().appStateMutations(phone)).toContainEqual(expect.objectContaining({ index: ['setting_pushName'], value: expect.objectContaining({ pushNameSetting: { name: 'Ana García' } }) }));
  });

  it('refuses a bad scan body with 400', async () => {
    const { sessionId, abort } = await pendingSession(alice);
    for (const body of [
      { phoneNumber: uniquePhone(), history: { chats: -1, messagesPerChat: 5 } },
      { phoneNumber: uniquePhone(), history: { chats: 1000, messagesPerChat: 10_000 } },
      { phoneNumber: uniquePhone(), history: { chats: 'many' } },
      { phoneNumber: uniquePhone(), history: [] },
      { phoneNumber: uniquePhone(), pushName: '' },
      { phoneNumber: uniquePhone(), pushName: 42 },
    ]) {
      const res = await call(t, 'POST', `/sandbox/sessions/${sessionId}/scan`, { token: alice.token, body });
      expectErrorShape(res, 400);
    }
    abort();
  });

  it("changes the phone's app state (versions per collection) and records it", async () => {
    const phone = uniquePhone();
    const { sessionId, recorder } = await pendingSession(alice);
    await sandboxScan(t, alice.token, sessionId, phone, { pushName: 'Ana' });
    await recorder.next((m) => m.connection === 'open');
    await recorder.ended();
    const juan = '5491100001111';
    const res = await call(t, 'POST', `/sandbox/phones/${phone}/app-state`, {
      token: alice.token,
      body: { contactNames: [{ phoneNumber: juan, name: 'Juan Pérez' }], mute: [{ phoneNumber: juan, muted: true }], archive: [{ phoneNumber: juan, archived: true }], pin: [{ phoneNumber: juan, pinned: true }], pushName: 'Ana B' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, versions: { critical_block: 2, critical_unblock_low: 1, regular_high: 1, regular_low: 2 } });
    const mutations = sim().appStateMutations(phone).filter((m) => m.source === 'phone');
    expect(mutations.map((m) => m.index)).toEqual([
      ['setting_pushName'],
      ['setting_pushName'],
      ['contact', `${juan}@s.whatsapp.net`],
      ['mute', `${juan}@s.whatsapp.net`],
      ['archive', `${juan}@s.whatsapp.net`],
      ['pin_v1', `${juan}@s.whatsapp.net`],
    ]);
    expect(sim().pairedDevices(phone)[0]?.pushName).toBe('Ana B');

    // bad input → 400; another tenant's number → 404
    for (const body of [{}, { mute: [{ phoneNumber: juan }] }, { contactNames: [{ phoneNumber: 'abc', name: 'X' }] }, { pin: 'yes' }, { archive: [{ phoneNumber: juan, archived: 'no' }] }, { mute: [{ phoneNumber: juan, muted: true, until: 1e300 }] }]) {
      expectErrorShape(await call(t, 'POST', `/sandbox/phones/${phone}/app-state`, { token: alice.token, body }), 400);
    }
    expectErrorShape(await call(t, 'POST', `/sandbox/phones/12/app-state`, { token: alice.token, body: { pushName: 'X' } }), 400);
    expectErrorShape(await call(t, 'POST', `/sandbox/phones/${phone}/app-state`, { token: bob.token, body: { pushName: 'Mallory' } }), 404, 'NOT_FOUND');
    expect(sim().pairedDevices(phone)[0]?.pushName).toBe('Ana B');
  });

  it('checks the pairing-code entry: 400 for a malformed code, 404 for another tenant, 409 when no code was asked', async () => {
    const { sessionId, abort } = await pendingSession(alice);
    for (const code of ['', 'ABC', 'ABCD12345', 'ABCD123O', 42]) {
      expectErrorShape(await call(t, 'POST', `/sandbox/sessions/${sessionId}/pairing-code`, { token: alice.token, body: { code } }), 400);
    }
    expectErrorShape(await call(t, 'POST', `/sandbox/sessions/${sessionId}/pairing-code`, { token: bob.token, body: { code: 'ABCD1234' } }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'POST', `/sandbox/sessions/${sessionId}/pairing-code`, { token: alice.token, body: { code: 'ABCD-1234' } }), 409, 'CONFLICT');
    abort();
  });
});
