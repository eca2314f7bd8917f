/**
 * Callbacks produced by a real onboarding and real inbound messages (sandbox mode: real Baileys
 * against the simulator), received by a stand-in main backend that runs seed 001's handlers over
 * seed 001's `whatsapp_sessions` table.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call } from '../support/auth-helpers.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { newUser, nextEvent, uniquePhone, onboardInSandbox } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'sandbox-webhook-secret-0123456789';
const PATHS = {
  qr: '/api/whatsapp/sessions/qr-update',
  status: '/api/whatsapp/sessions/status-update',
  connected: '/api/whatsapp/sessions/new-session-connected',
  message: '/api/whatsapp/messages/received',
};

describe('callbacks from a real onboarding (sandbox)', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  beforeAll(async () => {
    receiver = await CallbackReceiver.start({ secret: SECRET, backendDb: true });
    t = await startTestApp({
      env: { WA_SANDBOX: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_SECRET: SECRET, BACKEND_API_KEY: 'backend-key', WEBHOOK_POLL_INTERVAL_MS: '50' },
    });
  });
  afterAll(async () => {
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it('reports the onboarding in order, with seed 001 payloads that the backend stores, then each inbound message once', async () => {
    const user = await newUser(t);
    const { sessionId, phone } = await onboardInSandbox(t, user.token);

    const forSession = () => receiver.delivered.filter((r) => r.body.session_id === sessionId);
    await receiver.waitFor(() => forSession().some((r) => r.path === PATHS.status && r.body.detail_status === 'connected'), 20_000, 'the connected status-update');
    const calls = forSession();
    expect(calls.every((r) => r.signatureValid === true && r.headers['x-api-key'] === 'backend-key')).toBe(true);
    expect(new Set(calls.map((r) => r.headers['webhook-id'])).size).toBe(calls.length);

    const paths = calls.map((r) => r.path);
    expect(paths[0]).toBe(PATHS.qr);
    const newSession = calls.filter((r) => r.path === PATHS.connected);
    expect(newSession).toHaveLength(1);
    expect(paths.indexOf(PATHS.connected)).toBeLessThan(paths.lastIndexOf(PATHS.status));
    expect(Object.keys(newSession[0].body).sort()).toEqual(
      ['auth_folder_path', 'created_at', 'last_seen', 'phone_number', 'server_port', 'session_id', 'status', 'updated_at', 'whatsapp_user_id'],
    );
    expect(newSession[0].body).toMatchObject({
      session_id: sessionId,
      phone_number: phone,
      status: 'connected',
      auth_folder_path: `postgres://wa_auth_creds/${sessionId}`,
      whatsapp_user_id: expect.stringMatching(new RegExp(`^${phone}:\\d+@s\\.whatsapp\\.net$`)),
    });
    const details = calls.filter((r) => r.path === PATHS.status).map((r) => [r.body.status, r.body.detail_status]);
    expect(details).toEqual(expect.arrayContaining([['connecting', 'qr_required'], ['connected', 'connected']]));
    expect(details.at(-1)).toEqual(['connected', 'connected']);
    const qrCall = calls.find((r) => r.path === PATHS.qr)!;
    expect(Object.keys(qrCall.body).sort()).toEqual(['generated_at', 'qr_data', 'session_id']);
    const { rows } = await receiver.db!.query('SELECT phone_number, status FROM whatsapp_sessions WHERE session_id = $1', [sessionId]);
    expect(rows).toEqual([{ phone_number: phone, status: 'connected' }]);

    // Inbound: by LID (the sender number must still be the phone number) and a message WhatsApp delivers twice.
    const sim = t.app.get(SandboxService).simulator;
    const contact = uniquePhone();
    // Baileys decrypts different chats (a LID chat, a phone-number chat) concurrently: one at a time keeps the order known.
    const lidReceived = nextEvent(t, 'session.message.received', (e) => e.payload.text === 'por lid');
    await sim.contact(contact, { pushName: 'Bob' }).sendText(phone, 'por lid', { addressing: 'lid' });
    await lidReceived;
    const dupReceived = nextEvent(t, 'session.message.received', (e) => e.payload.text === 'dos veces');
    await sim.contact(contact).sendText(phone, 'dos veces', { id: 'DUPLICATE0001' });
    await dupReceived;
    await sim.contact(contact).sendText(phone, 'dos veces', { id: 'DUPLICATE0001' });
    await sim.contact(contact).sendText(phone, 'ultimo');
    await receiver.waitFor(() => forSession().some((r) => r.path === PATHS.message && r.body.message_content === 'ultimo'), 20_000, 'the last message');

    const messages = forSession().filter((r) => r.path === PATHS.message);
    expect(messages.map((r) => r.body.message_content)).toEqual(['por lid', 'dos veces', 'ultimo']);
    for (const m of messages) {
      expect(Object.keys(m.body).sort()).toEqual(
        // Seed 001's fields, and the additive chat_jid, is_group and group_subject (CONTRACT Part 3).
        ['chat_jid', 'group_subject', 'is_group', 'media_info', 'message_content', 'message_type', 'phone_number_session', 'received_at', 'sender_name', 'sender_number', 'session_id'],
      );
      expect(m.body).toMatchObject({ chat_jid: `${contact}@s.whatsapp.net`, is_group: false, group_subject: null });
      expect(m.body).toMatchObject({ sender_number: contact, phone_number_session: phone, message_type: 'text', media_info: {}, sender_name: 'Bob' });
    }
    const stored = await receiver.db!.query('SELECT content, sender_number FROM whatsapp_messages WHERE session_id = $1 ORDER BY id', [sessionId]);
    expect(stored.rows.map((r) => r.content)).toEqual(['por lid', 'dos veces', 'ultimo']);

    // A status change after onboarding updates the backend row.
    await call(t, 'POST', `/sessions/${sessionId}/stop`, { token: user.token });
    const backendStatus = async () => (await receiver.db!.query('SELECT status FROM whatsapp_sessions WHERE session_id = $1', [sessionId])).rows[0]?.status;
    await waitUntil(async () => (await backendStatus()) === 'disconnected', 20_000, 'the backend row to say disconnected');
    const stopUpdate = forSession().find((r) => r.path === PATHS.status && r.body.detail_status === 'disconnected');
    expect(stopUpdate?.body).toMatchObject({ status: 'disconnected', error_message: expect.anything() });
  });
});
