/**
 * The profile (push) name (issue 12 item 4): the SSE `open` carries it when WhatsApp delivers it
 * within WA_PROFILE_NAME_WAIT_MS of the connection, else null; a name that comes later updates the
 * session row and is announced by a status event. accountType comes from the platform, not the name.
 */
import { call } from '../support/auth-helpers.js';
import { newUser, nextEvent, openSseWithHeaders, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('profile name on open', () => {
  let t: TestApp;
  let alice: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', WA_PROFILE_NAME_WAIT_MS: '3000' } });
    alice = await newUser(t);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  async function onboard(scan: Record<string, unknown>) {
    const phone = uniquePhone();
    const { recorder, abort } = openSseWithHeaders(t, { authorization: `Bearer ${alice.token}` });
    const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
    await recorder.next((m) => m.qr);
    await sandboxScan(t, alice.token, sessionId as string, phone, scan);
    const open = await recorder.next((m) => m.connection === 'open');
    abort();
    return { phone, sessionId: sessionId as string, open };
  }

  it('a personal scan with a push name: open has deviceName = the push name, accountType personal', async () => {
    const { phone, sessionId, open } = await onboard({ pushName: 'Ana García' });
    expect(open).toEqual({ connection: 'open', sessionId, phoneNumber: phone, deviceName: 'Ana García', accountType: 'personal' });
    const row = await call(t, 'GET', `/sessions/${sessionId}`, { token: alice.token });
    expect(row.body.data).toMatchObject({ status: 'connected', deviceName: 'Ana García', accountType: 'personal' });
  });

  it('no push name: open comes with deviceName null; a later name updates the session and emits a status event', async () => {
    const { phone, sessionId, open } = await onboard({});
    expect(open).toEqual({ connection: 'open', sessionId, phoneNumber: phone, deviceName: null, accountType: 'personal' });
    const named = nextEvent(t, 'session.status.changed', (e) => e.sessionId === sessionId && e.payload.reason === 'profile_name', 60_000);
    const res = await call(t, 'POST', `/sandbox/phones/${phone}/app-state`, { token: alice.token, body: { pushName: 'Ana B' } });
    expect(res.status).toBe(200);
    expect((await named).payload).toMatchObject({ status: 'connected', previousStatus: 'connected', deviceName: 'Ana B', accountType: 'personal' });
    const row = await call(t, 'GET', `/sessions/${sessionId}`, { token: alice.token });
    expect(row.body.data).toMatchObject({ status: 'connected', deviceName: 'Ana B' });
  });
});
