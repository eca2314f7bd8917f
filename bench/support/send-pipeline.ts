/**
 * The send pipeline's part of `npm run bench:sessions -- --pacing` (docs/sending.md), on sessions
 * the benchmark has connected:
 * - overhead on an unpaced send: `POST /sessions/:id/send-message` without a key, with a new
 *   Idempotency-Key each time (claim + stored answer), and a repeat of one key (the stored answer),
 *   interleaved so that the machine's noise falls on all three alike;
 * - throughput of paced sessions with a 0 ms interval: every session paced, `perSession` sends
 *   queued on each at once, the time until the last `sent` event.
 */
import { randomUUID } from 'node:crypto';
import { round, summarize } from './stats.js';

interface Events {
  onCommit(type: 'session.messages.update', handler: (e: { payload: { updates: Array<{ queueStatus?: string }> } }) => void): () => void;
}

async function timed(baseUrl: string, method: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

export async function measureSendPipeline(opts: { baseUrl: string; token: string; sessionIds: string[]; events: Events; sends: number; perSession: number }) {
  const { baseUrl, token, sessionIds, events } = opts;
  const [first] = sessionIds;
  if (!first) throw new Error('no connected session to send with');
  const contact = '5491199990000';
  const send = (headers?: Record<string, string>) => timed(baseUrl, 'POST', `/sessions/${first}/send-message`, token, { number: contact, message: 'bench' }, headers);

  // Warm-up: the contact's Signal session, the statements, the JIT.
  for (let i = 0; i < 20; i++) await send({ 'idempotency-key': randomUUID() });
  const repeatKey = randomUUID();
  await send({ 'idempotency-key': repeatKey });
  const plain: number[] = [];
  const keyed: number[] = [];
  const replayed: number[] = [];
  const errors: number[] = [];
  for (let i = 0; i < opts.sends; i++) {
    for (const [list, headers] of [[plain, undefined], [keyed, { 'idempotency-key': randomUUID() }], [replayed, { 'idempotency-key': repeatKey }]] as const) {
      const r = await send(headers);
      if (r.status !== 200) errors.push(r.status);
      list.push(r.ms);
    }
  }
  const unpaced = {
    sends: opts.sends,
    errors: errors.length,
    withoutKeyMs: summarize(plain),
    withNewKeyMs: summarize(keyed),
    repeatedKeyMs: summarize(replayed),
    addedByKeyP50Ms: round(summarize(keyed).p50 - summarize(plain).p50),
    addedByKeyP99Ms: round(summarize(keyed).p99 - summarize(plain).p99),
  };

  // Paced, 0 ms interval, no typing: the queue's own cost per send.
  for (const id of sessionIds) {
    await timed(baseUrl, 'PATCH', `/sessions/${id}`, token, { pacing: { minIntervalMs: 0, maxIntervalMs: 0, typing: false } });
  }
  const total = sessionIds.length * opts.perSession;
  let sent = 0;
  let resolveAll!: () => void;
  const allSent = new Promise<void>((r) => (resolveAll = r));
  const off = events.onCommit('session.messages.update', (e) => {
    for (const u of e.payload.updates) if (u.queueStatus === 'sent') sent += 1;
    if (sent >= total) resolveAll();
  });
  const enqueueMs: number[] = [];
  const started = performance.now();
  await Promise.all(sessionIds.map(async (id, s) => {
    for (let i = 0; i < opts.perSession; i++) {
      const r = await timed(baseUrl, 'POST', `/sessions/${id}/messages`, token, { to: `54911${String(80000000 + s)}`, text: `paced ${i}` });
      if (r.status === 202) enqueueMs.push(r.ms);
    }
  }));
  const enqueuedAfterMs = performance.now() - started;
  await Promise.race([allSent, new Promise((r) => setTimeout(r, 300_000).unref())]);
  const elapsedMs = performance.now() - started;
  off();
  for (const id of sessionIds) await timed(baseUrl, 'PATCH', `/sessions/${id}`, token, { pacing: null });
  return {
    unpaced,
    paced: {
      sessions: sessionIds.length,
      queued: enqueueMs.length,
      sent,
      enqueueMs: summarize(enqueueMs),
      allQueuedAfterMs: Math.round(enqueuedAfterMs),
      allSentAfterMs: Math.round(elapsedMs),
      sendsPerSecond: round(sent / (elapsedMs / 1000)),
    },
    targets: { addedByKeyP99Ms: 2 },
  };
}
