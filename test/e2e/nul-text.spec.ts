/**
 * Text PostgreSQL cannot hold (U+0000) arrives from WhatsApp intact: a real inbound message
 * (sandbox: real Baileys against the simulator) whose text and push name contain NUL is stored
 * in wa_messages, read back unchanged, and called back byte for byte (and correctly signed).
 */
import { DataSource } from 'typeorm';
import { MessageEntity } from '../../src/chats/chat.entities.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { TestDb } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { newUser, nextEvent, uniquePhone, onboardInSandbox } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'nul-webhook-secret-0123456789';
const MESSAGE_PATH = '/api/whatsapp/messages/received';

describe('NUL in an inbound message', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  let db: TestDb;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({ secret: SECRET });
    t = await startTestApp({ env: { WA_SANDBOX: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_POLL_INTERVAL_MS: '50' } });
    db = await TestDb.connect(t);
  });

  afterAll(async () => {
    await db?.close();
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it('is stored losslessly and called back unchanged', async () => {
    const user = await newUser(t);
    const { sessionId, phone } = await onboardInSandbox(t, user.token);

    // NUL, the codec's own escape character and an escape look-alike: all must survive as sent.
    const text = 'antes\u0000después \uE000 \uE0000 fin\u0000';
    const pushName = 'Bo\u0000b';
    const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === sessionId);
    await t.app.get(SandboxService).simulator.contact(uniquePhone(), { pushName }).sendText(phone, text, { id: 'NULTEXT00001' });
    await received;

    await receiver.waitFor(() => receiver.delivered.some((r) => r.body.session_id === sessionId && r.path === MESSAGE_PATH), 20_000, 'the message callback');
    const callback = receiver.delivered.find((r) => r.body.session_id === sessionId && r.path === MESSAGE_PATH)!;
    expect(callback.body.message_content).toBe(text);
    expect(callback.body.sender_name).toBe(pushName);
    expect(callback.signatureValid).toBe(true);

    const repository = t.app.get(DataSource).getRepository(MessageEntity);
    const row = await repository.findOneByOrFail({ sessionId, waId: 'NULTEXT00001' });
    expect(row.text).toBe(text);
    expect(row.pushName).toBe(pushName);
    // In SQL the text is plain apart from the escaped characters.
    const [raw] = await db.query<{ text: string }>('SELECT text FROM wa_messages WHERE session_id = $1 AND wa_id = $2', [sessionId, 'NULTEXT00001']);
    expect(raw.text.startsWith('antes')).toBe(true);
    expect(raw.text).not.toContain('\u0000');
  });
});
