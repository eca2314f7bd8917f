/**
 * A paced queue survives a real crash: the app runs in a child process with real Baileys on the
 * simulator, 51 paced sends are queued (one of them cancelled), the process is SIGKILLed half-way,
 * and a new instance on the same database sends the rest. The contact gets the 50 once each, in
 * order, with "typing…" before each and the gaps inside the interval.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { waitUntil } from '../support/callback-receiver.js';
import { startAppProcess, killApp } from '../support/app-process-runner.js';
import { pairOn, signUpOn } from '../support/app-process-session.js';
import { uniquePhone } from '../support/sessions-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
const PACING = { minIntervalMs: 50, maxIntervalMs: 100, typing: true };
const TOTAL = 51;

interface Row {
  id: string;
  status: string;
  sent_at: Date | null;
  seq: string;
}

describe('the paced queue survives SIGKILL', () => {
  let sim: WhatsAppSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let child: ChildProcess | undefined;
  let second: TestApp | undefined;
  let pool: pg.Pool;

  beforeAll(async () => {
    sim = await WhatsAppSimulator.start({ port: 0 });
    db = await createTestDatabase('send_queue_crash');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await second?.close();
    await pool?.end();
    await sim?.stop();
    await db?.drop();
  });

  it('sends every queued message once, in order, paced and typed, across a crash', async () => {
    const env = { DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'wa-sendq-')), WA_SERVER_URL: sim.url };
    const app = await startAppProcess(env);
    child = app.child;
    const token = await signUpOn(app.baseUrl, 'sendq@example.com');
    const phone = uniquePhone();
    const contact = uniquePhone();
    // A contact the simulator knows from the start (it records chat states only towards known ones).
    sim.contact(contact);
    const sessionId = await pairOn(app.baseUrl, token, sim, { phoneNumber: phone });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    await waitUntil(async () => ((await api('GET', `/sessions/${sessionId}`)).body.data as { status?: string } | undefined)?.status === 'connected', 30_000, 'the session connected');
    expect((await api('PATCH', `/sessions/${sessionId}`, { pacing: PACING })).status).toBe(200);

    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const res = await api('POST', `/sessions/${sessionId}/messages`, { to: contact, text: `paced ${String(i).padStart(2, '0')}` });
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
    }
    // The last but one is cancelled while it waits its turn.
    const cancelledId = ids[TOTAL - 2]!;
    expect((await api('DELETE', `/sessions/${sessionId}/queue/${cancelledId}`)).status).toBe(200);
    const expected = ids.filter((id) => id !== cancelledId);

    const rows = async () => (await pool.query<Row>(`SELECT id, status, sent_at, seq FROM send_queue WHERE session_id = $1 ORDER BY seq`, [sessionId])).rows;
    await waitUntil(async () => (await rows()).filter((r) => r.status === 'sent').length >= 20, 30_000, 'half of the queue sent');
    await killApp(app);
    child = undefined;
    const atKill = await rows();
    const inDoubt = new Set(atKill.filter((r) => r.status === 'sending').map((r) => r.id));
    expect(atKill.filter((r) => r.status === 'queued').length).toBeGreaterThan(10);

    second = await startTestApp({ databaseUrl: db.url, env: { WA_SERVER_URL: sim.url } });
    await waitUntil(async () => (await rows()).filter((r) => r.status === 'sent').length === expected.length, 60_000, 'every queued send sent after the restart');
    const final = await rows();
    expect(final.map((r) => r.id)).toEqual(ids);
    expect(final.find((r) => r.id === cancelledId)!.status).toBe('cancelled');

    // What reached the contact: each id once (a send in flight at the kill may have gone twice under its one id,
    // which the contact's inbox shows once), in queue order, and never the cancelled one.
    const copies = sim.sentMessages(phone).filter((m) => m.toPhoneNumber === contact && m.decryptedBy.includes('contact'));
    const firstSeen = [...new Set(copies.map((m) => m.id))];
    expect(firstSeen).toEqual(expected);
    for (const id of expected) if (!inDoubt.has(id)) expect(copies.filter((m) => m.id === id)).toHaveLength(1);
    const inbox = sim.inboxOf(contact, phone);
    expect(inbox.messages.map((m) => m.id).sort()).toEqual([...expected].sort());
    expect(inbox.messages.find((m) => m.id === ids[0])!.text).toBe('paced 00');

    // Gaps between the starts of consecutive sends are at least the interval's minimum (the sends on
    // either side of a send whose outcome the crash left unknown are left out: its time is when it was found).
    const sent = final.filter((r) => r.status === 'sent');
    const gaps: number[] = [];
    for (let i = 1; i < sent.length; i++) {
      if (inDoubt.has(sent[i]!.id) || inDoubt.has(sent[i - 1]!.id)) continue;
      gaps.push(sent[i]!.sent_at!.getTime() - sent[i - 1]!.sent_at!.getTime());
    }
    expect(gaps.length).toBeGreaterThan(40);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(PACING.minIntervalMs);
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(PACING.maxIntervalMs + 50);

    // "typing…" (composing) reached the contact before each send, after the previous one.
    const composing = inbox.presence.filter((p) => p.presence === 'composing').map((p) => p.at);
    for (let i = 0; i < sent.length; i++) {
      if (inDoubt.has(sent[i]!.id)) continue;
      const before = sent[i]!.sent_at!.getTime();
      const after = i === 0 ? 0 : sent[i - 1]!.sent_at!.getTime();
      if (!composing.some((at) => at >= after && at <= before)) throw new Error(`no composing between send ${i - 1} and send ${i} (${after}..${before})`);
    }
  });
});
