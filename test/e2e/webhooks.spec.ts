/**
 * Callbacks to the main backend, end to end: the app on Postgres, domain events produced in
 * DomainEvents transactions, and a real HTTP receiver running seed 001's handlers on seed 001's
 * `whatsapp_sessions` table.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import pg from 'pg';
import { DomainEvents } from '../../src/events/domain-events.js';
import { adminHeaders, TEST_ADMIN_ENV } from '../support/admin-auth.js';
import { CallbackReceiver, waitUntil, type ReceivedCallback } from '../support/callback-receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { emitQr, emitStatus, newSimulatedSession, ONBOARDING_PATHS, simulateOnboarding, type SimulatedSession } from '../support/webhook-events.js';

const SECRET = 'e2e-webhook-secret-0123456789';
const API_KEY = 'backend-api-key-e2e';

function forSession(list: ReceivedCallback[], s: SimulatedSession): ReceivedCallback[] {
  return list.filter((r) => r.body.session_id === s.sessionId);
}

interface DeliveryJson {
  id: string;
  status: string;
  attempts: number;
  event: string;
  sessionId: string;
  seq: number;
  lastStatusCode: number | null;
  attemptLog?: Array<{ attemptNo: number; statusCode: number | null; error: string | null; durationMs: number }>;
}

describe('webhooks: callbacks to the main backend', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  let events: DomainEvents;
  let auth: Record<string, string>;
  let appDb: pg.Pool;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({ secret: SECRET, backendDb: true });
    t = await startTestApp({
      env: {
        ...TEST_ADMIN_ENV,
        BACKEND_BASE_URL: receiver.url,
        WEBHOOK_SECRET: SECRET,
        BACKEND_API_KEY: API_KEY,
        BACKEND_TIMEOUT: '2000',
        BACKEND_RETRIES: '8',
        WEBHOOK_POLL_INTERVAL_MS: '50',
      },
    });
    events = t.app.get(DomainEvents);
    auth = await adminHeaders(t.baseUrl);
    appDb = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await appDb.end();
    await t.close({ drop: true });
    await receiver.close();
  });

  afterEach(() => {
    receiver.behaviour = undefined;
  });

  async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(`${t.baseUrl}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    return { status: res.status, body: (await res.json()) as T };
  }

  it('delivers an onboarding in order, with seed 001 payloads that the backend stores cleanly', async () => {
    const s = newSimulatedSession();
    await simulateOnboarding(events, s);
    await receiver.waitFor((r) => forSession(r.delivered, s).length >= ONBOARDING_PATHS.length);

    const got = forSession(receiver.delivered, s);
    expect(got.map((r) => r.path)).toEqual(ONBOARDING_PATHS);
    expect(got.every((r) => r.status === 200 && r.body.__error === undefined)).toBe(true);
    const statusUpdates = got.filter((r) => r.path.endsWith('/status-update')).map((r) => [r.body.status, r.body.detail_status]);
    expect(statusUpdates).toEqual([
      ['connecting', 'qr_required'],
      ['connecting', 'connecting'],
      ['connected', 'connected'],
    ]);

    const [qr1, qr2] = got.filter((r) => r.path.endsWith('/qr-update'));
    expect(qr1.body).toEqual({ session_id: s.sessionId, qr_data: `2@qr-one-${s.sessionId}`, generated_at: expect.any(String) });
    expect(qr2.body.qr_data).toBe(`2@qr-two-${s.sessionId}`);

    const first = got[0].body;
    expect(first).toEqual({
      session_id: s.sessionId,
      status: 'connecting',
      detail_status: 'qr_required',
      error_message: null,
      timestamp: expect.any(String),
      last_seen: expect.any(String),
    });

    const connected = got.find((r) => r.path.endsWith('/new-session-connected'))!.body;
    expect(connected).toEqual({
      session_id: s.sessionId,
      phone_number: s.phone,
      status: 'connected',
      last_seen: expect.any(String),
      auth_folder_path: `postgres://wa_auth_creds/${s.sessionId}`,
      server_port: t.config.http.port,
      whatsapp_user_id: `${s.phone}:1@s.whatsapp.net`,
      created_at: s.createdAt,
      updated_at: expect.any(String),
    });

    const messages = got.filter((r) => r.path.endsWith('/messages/received')).map((r) => r.body);
    expect(messages).toEqual([
      {
        session_id: s.sessionId,
        sender_name: 'Juan Pérez',
        sender_number: '5490987654321',
        message_content: 'Hola, ¿cómo estás?',
        message_type: 'text',
        media_info: {},
        received_at: expect.any(String),
        phone_number_session: s.phone,
        // Additive (CONTRACT Part 3 "Groups"): the chat, and whether it is a group.
        chat_jid: expect.stringMatching(/@(lid|s\.whatsapp\.net)$/),
        is_group: false,
        group_subject: null,
      },
      expect.objectContaining({ message_content: 'Segundo mensaje' }),
    ]);

    // The main backend's table, filled by its own handlers.
    const row = (await receiver.db!.query('SELECT * FROM whatsapp_sessions WHERE session_id = $1', [s.sessionId])).rows[0];
    expect(row).toMatchObject({
      session_id: s.sessionId,
      phone_number: s.phone,
      status: 'connected',
      auth_folder_path: `postgres://wa_auth_creds/${s.sessionId}`,
      whatsapp_user_id: `${s.phone}:1@s.whatsapp.net`,
    });
    expect(row.last_seen).toBeInstanceOf(Date);
    const stored = await receiver.db!.query('SELECT sender_number, content FROM whatsapp_messages WHERE session_id = $1 ORDER BY id', [s.sessionId]);
    expect(stored.rows).toEqual([
      { sender_number: '5490987654321', content: 'Hola, ¿cómo estás?' },
      { sender_number: '5490987654321', content: 'Segundo mensaje' },
    ]);
  });

  it('signs with Standard Webhooks (right secret verifies, wrong one fails) and sends x-api-key', async () => {
    const s = newSimulatedSession();
    await emitQr(events, s, '2@signed');
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 1);
    const [cb] = forSession(receiver.delivered, s);
    expect(cb.headers['content-type']).toBe('application/json');
    expect(cb.headers['x-api-key']).toBe(API_KEY);
    expect(cb.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(cb.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(cb.headers['webhook-signature']).toMatch(/^v1,/);
    expect(cb.signatureValid).toBe(true);
    const headers = cb.headers as Record<string, string>;
    expect(new Webhook(`whsec_${Buffer.from(SECRET).toString('base64')}`).verify(cb.raw, headers)).toEqual(cb.body);
    expect(() => new Webhook(`whsec_${Buffer.from('not-the-right-secret!').toString('base64')}`).verify(cb.raw, headers)).toThrow();
    expect(receiver.requests.every((r) => r.signatureValid === true)).toBe(true);
  });

  it('queues nothing for an event whose transaction rolls back', async () => {
    const s = newSimulatedSession();
    await expect(
      events.transaction(async (tx) => {
        await tx.emit('session.qr.updated', s.sessionId, { tenantId: s.tenantId, qr: 'data:,', qrText: '2@rolled-back', expiresAt: new Date().toISOString(), attempt: 1 });
        throw new Error('the producer failed');
      }),
    ).rejects.toThrow('the producer failed');
    await emitQr(events, s, '2@committed');
    await receiver.waitFor((r) => forSession(r.delivered, s).length >= 1);
    expect(forSession(receiver.requests, s).map((r) => r.body.qr_data)).toEqual(['2@committed']);
    const rows = await appDb.query('SELECT payload FROM webhook_deliveries WHERE session_id = $1', [s.sessionId]);
    expect(rows.rows.map((r: { payload: { qr_data: string } }) => r.payload.qr_data)).toEqual(['2@committed']);
  });

  it('keeps order and loses nothing while the backend answers 503, then catches up', async () => {
    const s = newSimulatedSession();
    let refused = 0;
    receiver.behaviour = (cb) => (cb.body.session_id === s.sessionId && refused++ < 3 ? { status: 503 } : undefined);
    for (let i = 0; i < 5; i++) await emitQr(events, s, `2@outage-${i}`, i + 1);
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 5, 30_000, 'the backlog after the outage');
    const attempts = forSession(receiver.requests, s);
    expect(attempts.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 503]);
    // The head was retried with the same webhook-id; nothing overtook it.
    expect(new Set(attempts.slice(0, 4).map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(forSession(receiver.delivered, s).map((r) => r.body.qr_data)).toEqual([0, 1, 2, 3, 4].map((i) => `2@outage-${i}`));
  });

  it('does not let later callbacks overtake one that fails in the middle of a burst', async () => {
    const s = newSimulatedSession();
    let failed = false;
    receiver.behaviour = (cb) => {
      if (cb.body.session_id !== s.sessionId || cb.body.qr_data !== '2@burst-2' || failed) return undefined;
      failed = true;
      return { status: 500 };
    };
    await events.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) {
        await tx.emit('session.qr.updated', s.sessionId, { tenantId: s.tenantId, qr: 'data:,', qrText: `2@burst-${i}`, expiresAt: new Date().toISOString(), attempt: i + 1 });
      }
    });
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 5, 15_000, 'the burst');
    expect(forSession(receiver.requests, s).map((r) => [r.body.qr_data, r.status])).toEqual([
      ['2@burst-0', 200],
      ['2@burst-1', 200],
      ['2@burst-2', 500],
      ['2@burst-2', 200],
      ['2@burst-3', 200],
      ['2@burst-4', 200],
    ]);
  });

  it('keeps order and loses nothing while the backend refuses connections', async () => {
    const s = newSimulatedSession();
    await receiver.down();
    try {
      await simulateOnboarding(events, s);
      await waitUntil(
        async () => (await appDb.query(`SELECT 1 FROM webhook_deliveries WHERE session_id = $1 AND attempts >= 2`, [s.sessionId])).rows.length > 0,
        15_000,
        'two refused attempts',
      );
      expect(forSession(receiver.requests, s)).toEqual([]);
    } finally {
      await receiver.up();
    }
    await receiver.waitFor((r) => forSession(r.delivered, s).length === ONBOARDING_PATHS.length, 30_000, 'the onboarding after the outage');
    expect(forSession(receiver.delivered, s).map((r) => r.path)).toEqual(ONBOARDING_PATHS);
    await waitUntil(async () => (await api<{ total: number }>(`/webhooks/deliveries?sessionId=${s.sessionId}&status=delivered`)).body.total === ONBOARDING_PATHS.length, 5_000, 'recorded outcomes');
    const { body } = await api<{ data: DeliveryJson[] }>(`/webhooks/deliveries?sessionId=${s.sessionId}&limit=20`);
    const head = body.data.find((d) => d.seq === 1)!;
    const detail = await api<{ data: DeliveryJson }>(`/webhooks/deliveries/${head.id}`);
    expect(detail.body.data.attemptLog!.length).toBeGreaterThanOrEqual(3);
    expect(detail.body.data.attemptLog!.slice(0, 2).every((a) => a.statusCode === null && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
    expect(detail.body.data.attemptLog!.at(-1)).toMatchObject({ statusCode: 200, error: null });
  });

  it('does not retry a 400 (dead after one attempt), and an admin can re-queue it', async () => {
    const s = newSimulatedSession();
    receiver.behaviour = (cb) => (cb.body.session_id === s.sessionId && cb.body.qr_data === '2@rejected' ? { status: 400 } : undefined);
    await emitQr(events, s, '2@rejected');
    await emitQr(events, s, '2@after-rejected');
    // A dead callback does not block the session's later ones.
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 1);
    expect(forSession(receiver.requests, s).map((r) => [r.body.qr_data, r.status])).toEqual([
      ['2@rejected', 400],
      ['2@after-rejected', 200],
    ]);
    const list = await api<{ data: DeliveryJson[]; total: number }>(`/webhooks/deliveries?sessionId=${s.sessionId}&status=dead`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const dead = list.body.data[0];
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 400, event: 'qr-update' });

    // The receiver has answered; the outcome is recorded right after.
    await waitUntil(async () => (await api<{ total: number }>(`/webhooks/deliveries?sessionId=${s.sessionId}&status=delivered`)).body.total === 1, 5_000, 'the delivered row');
    const delivered = (await api<{ data: DeliveryJson[] }>(`/webhooks/deliveries?sessionId=${s.sessionId}&status=delivered`)).body.data[0];
    const conflict = await api<{ error: { code: string } }>(`/webhooks/deliveries/${delivered.id}/retry`, { method: 'POST' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('CONFLICT');

    receiver.behaviour = undefined;
    const retried = await api<{ data: DeliveryJson }>(`/webhooks/deliveries/${dead.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    // Re-queued: the worker may already have claimed it by the time the answer is built.
    expect(retried.body.data).toMatchObject({ id: dead.id, status: expect.stringMatching(/^(pending|delivering)$/), attempts: 1 });
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 2);
    const redelivered = forSession(receiver.delivered, s)[1];
    expect(redelivered.headers['webhook-id']).toBe(dead.id);
    await waitUntil(async () => (await api<{ data: DeliveryJson }>(`/webhooks/deliveries/${dead.id}`)).body.data.status === 'delivered', 5_000, 'delivered status');
    const detail = await api<{ data: DeliveryJson }>(`/webhooks/deliveries/${dead.id}`);
    expect(detail.body.data).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(detail.body.data.attemptLog!.map((a) => a.statusCode)).toEqual([400, 200]);
  });

  it('honours Retry-After on a 429 (measured at the receiver)', async () => {
    const s = newSimulatedSession();
    let throttled = false;
    receiver.behaviour = (cb) => {
      if (cb.body.session_id !== s.sessionId || throttled) return undefined;
      throttled = true;
      return { status: 429, headers: { 'retry-after': '1' } };
    };
    await emitQr(events, s, '2@throttled');
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 1);
    const [first, second] = forSession(receiver.requests, s);
    expect(first.status).toBe(429);
    expect(second.status).toBe(200);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_000);
  });

  it('queues a message once per message id even when emitted twice', async () => {
    const s = newSimulatedSession();
    await simulateOnboarding(events, s);
    await receiver.waitFor((r) => forSession(r.delivered, s).length >= ONBOARDING_PATHS.length);
    const rows = await appDb.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE session_id = $1 AND event = 'messages-received'`, [s.sessionId]);
    expect(rows.rows[0].n).toBe(2);
  });

  it('lets an admin list with filters, get one with its attempts, and read stats', async () => {
    const s = newSimulatedSession();
    await emitStatus(events, s, 'init', 'qr_required');
    await emitQr(events, s, '2@listed');
    await receiver.waitFor((r) => forSession(r.delivered, s).length === 2);
    await waitUntil(async () => (await api<{ total: number }>(`/webhooks/deliveries?sessionId=${s.sessionId}&status=delivered`)).body.total === 2, 5_000, 'delivered rows');

    const all = await api<{ success: boolean; data: DeliveryJson[]; total: number; limit: number; offset: number }>(`/webhooks/deliveries?sessionId=${s.sessionId}`);
    expect(all.body).toMatchObject({ success: true, total: 2, limit: 50, offset: 0 });
    const qrOnly = await api<{ data: DeliveryJson[] }>(`/webhooks/deliveries?sessionId=${s.sessionId}&event=qr-update`);
    expect(qrOnly.body.data.map((d) => d.event)).toEqual(['qr-update']);
    const page = await api<{ data: DeliveryJson[]; total: number }>(`/webhooks/deliveries?limit=1&offset=1&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.total).toBeGreaterThan(2);
    const future = await api<{ total: number }>(`/webhooks/deliveries?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.body.total).toBe(0);

    const one = await api<{ success: boolean; data: DeliveryJson & { payload: Record<string, unknown> } }>(`/webhooks/deliveries/${qrOnly.body.data[0].id}`);
    expect(one.body.data).toMatchObject({ status: 'delivered', attempts: 1, payload: { qr_data: '2@listed', session_id: s.sessionId } });
    expect(one.body.data.attemptLog).toEqual([{ attemptNo: 1, startedAt: expect.any(String), durationMs: expect.any(Number), statusCode: 200, error: null }]);

    expect((await api(`/webhooks/deliveries/${randomUUID()}`)).status).toBe(404);
    expect((await api(`/webhooks/deliveries/${randomUUID()}/retry`, { method: 'POST' })).status).toBe(404);
    const bad = await api<{ success: boolean; error: { code: string } }>('/webhooks/deliveries?status=nope&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    expect((await api('/webhooks/deliveries/not-a-uuid')).status).toBe(400);

    const stats = await api<{ success: boolean; byStatus: Record<string, number>; oldestPendingAgeSeconds: number | null }>('/webhooks/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.success).toBe(true);
    expect(stats.body.byStatus.delivered).toBeGreaterThanOrEqual(2);
    expect(Object.keys(stats.body.byStatus).sort()).toEqual(['dead', 'delivered', 'delivering', 'pending']);
  });

  it('exposes Prometheus metrics for outcomes, latency, queue depth and the oldest pending age', async () => {
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toMatch(/webhook_deliveries_total\{event="qr-update",outcome="delivered"\} \d+/);
    expect(text).toMatch(/webhook_deliveries_total\{event="qr-update",outcome="retry"\} \d+/);
    expect(text).toMatch(/webhook_attempt_duration_seconds_bucket\{le="0.1",event="status-update",result="2xx"\} \d+/);
    expect(text).toMatch(/webhook_queue_depth\{status="delivered"\} [1-9]\d*/);
    expect(text).toMatch(/webhook_oldest_pending_age_seconds \d/);
  });

  it('documents the admin API under the webhooks tag', async () => {
    const spec = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { tags: string[] }>> };
    expect(spec.paths['/webhooks/deliveries'].get.tags).toEqual(['webhooks']);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/webhooks/deliveries/{id}', '/webhooks/deliveries/{id}/retry', '/webhooks/stats']));
  });
});

describe('webhooks: without BACKEND_BASE_URL', () => {
  it('queues nothing', async () => {
    const t = await startTestApp();
    try {
      const s = newSimulatedSession();
      await emitQr(t.app.get(DomainEvents), s, '2@nowhere');
      await emitStatus(t.app.get(DomainEvents), s, 'init', 'qr_required');
      const db = new pg.Client({ connectionString: t.databaseUrl });
      await db.connect();
      const { rows } = await db.query('SELECT count(*)::int AS n FROM webhook_deliveries');
      await db.end();
      expect(rows[0].n).toBe(0);
    } finally {
      await t.close({ drop: true });
    }
  });
});
