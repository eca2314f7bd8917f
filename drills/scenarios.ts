/**
 * The crash drills of issue 17, each one an exact account of what a crash at a chosen moment cost:
 * (a) SIGKILL mid-burst, (b) SIGKILL during the first history sync, (c) SIGKILL between the scan
 * and the 515 reconnect, (d) SIGKILL during media downloads, (e) SIGKILL with callbacks pending to
 * a slow backend, (f) SIGTERM mid-burst (graceful). Sizes come from DrillSize.
 */
import { randomBytes } from 'node:crypto';
import { postJson } from '../test/support/app-process-runner.js';
import { firstQr } from '../test/support/app-process-session.js';
import { png, sha256 } from '../test/support/media-fixtures.js';
import { DrillHarness, SessionTracker, settle } from './harness.js';

export interface DrillSize {
  contacts: number;
  texts: number;
  /** History fixture of (b): chats × messages per chat. */
  historyChats: number;
  historyMessages: number;
  /** Images of (d), one contact each. */
  images: number;
  /** How long the recovered app gets to account for everything (ms). */
  settleMs: number;
}

export const SCENARIOS = ['burst-sigkill', 'history-sigkill', 'scan-515-sigkill', 'media-sigkill', 'slow-callbacks-sigkill', 'burst-sigterm'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** The letters. */
export const LETTERS: Record<string, ScenarioName> = {
  a: 'burst-sigkill', b: 'history-sigkill', c: 'scan-515-sigkill', d: 'media-sigkill', e: 'slow-callbacks-sigkill', f: 'burst-sigterm',
};

export interface Recovery {
  /** Signal → the new instance listening. */
  restartMs: number;
  /** Signal → the session logged in again on the simulator. */
  reconnectMs: number | null;
  /** Signal → everything accounted for (null: the settle time ran out first). */
  completeMs: number | null;
  /** (d): signal → every media download finished (stored or failed), and the same after the restart. */
  downloadedMs?: number | null;
  downloadedAfterRestartMs?: number | null;
}

export interface MessageAccount {
  /** Contact messages the simulator handed to the session's devices. */
  sent: number;
  /** Of those, acknowledged by the session (a receipt): WhatsApp will not send them again. */
  acked: number;
  stored: number;
  /** Distinct messages called back to the backend (messages/received). */
  calledBack: number;
  /** Acknowledged and never stored: lost for good. */
  lostAcked: number;
  /** Never acknowledged nor stored, even after the simulator's redelivery at the next login. */
  unackedNotStored: number;
  /** Stored but never acknowledged (WhatsApp would send them again: the store is idempotent by key). */
  storedNotAcked: number;
  /** Stored and never called back. */
  notCalledBack: number;
  /** The same message stored twice, or called back under two webhook-ids. */
  duplicates: { stored: number; callbacks: number };
  /** Deliveries repeated under the same webhook-id (at-least-once delivery; the backend dedupes by id). */
  redeliveries: number;
}

export interface DrillResult {
  scenario: ScenarioName;
  signal: 'SIGKILL' | 'SIGTERM';
  size: Record<string, number>;
  /** What was happening when the signal went. */
  atSignal: Record<string, number>;
  account: MessageAccount | Record<string, unknown>;
  recovery: Recovery;
}

/** The app's default MEDIA_DOWNLOAD_CONCURRENCY: how many downloads (d) holds at the signal. */
const MEDIA_DOWNLOAD_CONCURRENCY = 4;

let phoneSeq = 0;
/** A number of its own for every account and contact of a run (one simulator serves the whole run). */
function drillPhone(): string {
  phoneSeq += 1;
  return `549${String(process.pid % 10_000).padStart(4, '0')}${String(phoneSeq).padStart(6, '0')}`;
}

export async function runScenario(h: DrillHarness, name: ScenarioName, size: DrillSize): Promise<DrillResult> {
  switch (name) {
    case 'burst-sigkill':
      return messageDrill(h, name, 'SIGKILL', size, false);
    case 'burst-sigterm':
      return messageDrill(h, name, 'SIGTERM', size, false);
    case 'slow-callbacks-sigkill':
      return messageDrill(h, name, 'SIGKILL', size, true);
    case 'history-sigkill':
      return historyDrill(h, size);
    case 'scan-515-sigkill':
      return scanDrill(h, size);
    case 'media-sigkill':
      return mediaDrill(h, size);
  }
}

/** Resolves once `tracker` has seen `n` acknowledgements. */
function ackedAtLeast(h: DrillHarness, tracker: SessionTracker, n: number): Promise<void> {
  if (tracker.acked.size >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = h.sim.on('receipt', () => {
      if (tracker.acked.size < n) return;
      stop();
      resolve();
    });
  });
}

/** Restarts the app after a signal and times its recovery up to the point `done` holds. */
async function recover(h: DrillHarness, phone: string, signalAt: number, settleMs: number, done: () => Promise<boolean>): Promise<Recovery> {
  let reconnectedAt: number | null = null;
  const stop = h.sim.on('opened', (c) => {
    if (c.phoneNumber === phone && reconnectedAt === null) reconnectedAt = Date.now();
  });
  await h.ensureApp();
  const restartMs = Date.now() - signalAt;
  const complete = await settle(done, settleMs);
  stop();
  return { restartMs, reconnectMs: reconnectedAt === null ? null : reconnectedAt - signalAt, completeMs: complete ? Date.now() - signalAt : null };
}

/** (a), (e), (f): contacts × texts, the signal once half of them are acknowledged. */
async function messageDrill(h: DrillHarness, scenario: ScenarioName, signal: 'SIGKILL' | 'SIGTERM', size: DrillSize, slowReceiver: boolean): Promise<DrillResult> {
  const phone = drillPhone();
  const sessionId = await h.pair({ phoneNumber: phone });
  const tracker = new SessionTracker(h.sim, phone);
  const tag = randomBytes(3).toString('hex');
  const total = size.contacts * size.texts;
  // A slow backend: each callback takes 200 ms, so the outbox fills while the burst is stored.
  if (slowReceiver) h.receiver.behaviour = () => ({ status: 200, delayMs: 200 });
  const burst = Promise.all(
    Array.from({ length: size.contacts }, async (_, c) => {
      const contact = h.sim.contact(drillPhone());
      for (let m = 0; m < size.texts; m++) await contact.sendText(phone, `drill ${tag} c${c} m${m}`);
    }),
  );
  await ackedAtLeast(h, tracker, Math.max(1, Math.floor(total / 2)));
  const atSignal = { acked: tracker.acked.size, sent: tracker.sent.size, ...(await pendingCallbacks(h, sessionId)) };
  const signalAt = await h.stopApp(signal);
  h.receiver.behaviour = undefined;

  const done = async (): Promise<boolean> => {
    if (tracker.sent.size < total) return false;
    const stored = await h.stored(sessionId);
    const { byText } = h.calledBack(sessionId);
    // The simulator redelivers what was never acknowledged: every message ends acknowledged and stored, or is lost.
    return [...tracker.sent.keys()].every((id) => stored.has(id)) &&
      [...stored.keys()].every((id) => byText.has(tracker.sent.get(id) ?? '')) && (await h.journalRows(sessionId)) === 0;
  };
  const recovery = await recover(h, phone, signalAt, size.settleMs, done);
  await burst;
  tracker.stop();
  const account = { ...(await messageAccount(h, sessionId, tracker)), journalRowsLeft: await h.journalRows(sessionId), journalLeft: await h.journalLeft(sessionId) };
  return { scenario, signal, size: { contacts: size.contacts, texts: size.texts }, atSignal, account, recovery };
}

async function pendingCallbacks(h: DrillHarness, sessionId: string): Promise<{ pendingCallbacks: number }> {
  const { rows } = await h.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM webhook_deliveries WHERE session_id = $1 AND status IN ('pending', 'delivering')`, [sessionId]);
  return { pendingCallbacks: Number(rows[0]!.n) };
}

export async function messageAccount(h: DrillHarness, sessionId: string, tracker: SessionTracker): Promise<MessageAccount> {
  const stored = await h.stored(sessionId);
  const { byText, deliveries } = h.calledBack(sessionId);
  const sentIds = [...tracker.sent.keys()];
  const isStored = (id: string): boolean => stored.has(id);
  const texts = new Set(tracker.sent.values());
  const calledBackTexts = [...byText.keys()].filter((t) => texts.has(t));
  const webhookIds = calledBackTexts.reduce((n, t) => n + byText.get(t)!.size, 0);
  return {
    sent: sentIds.length,
    acked: sentIds.filter((id) => tracker.acked.has(id)).length,
    stored: sentIds.filter(isStored).length,
    calledBack: calledBackTexts.length,
    lostAcked: sentIds.filter((id) => tracker.acked.has(id) && !isStored(id)).length,
    unackedNotStored: sentIds.filter((id) => !tracker.acked.has(id) && !isStored(id)).length,
    storedNotAcked: sentIds.filter((id) => !tracker.acked.has(id) && isStored(id)).length,
    notCalledBack: sentIds.filter((id) => isStored(id) && !byText.has(tracker.sent.get(id)!)).length,
    duplicates: { stored: [...stored.values()].filter((n) => n > 1).length, callbacks: webhookIds - calledBackTexts.length },
    redeliveries: deliveries - webhookIds,
  };
}

/**
 * (b): the first history sync is acknowledged but cannot commit (a lock holds the messages table),
 * and the app is killed. Only the journal has the history notifications then: WhatsApp does not
 * send them again.
 */
async function historyDrill(h: DrillHarness, size: DrillSize): Promise<DrillResult> {
  const phone = drillPhone();
  const expected = size.historyChats * size.historyMessages;
  await h.ensureApp(); // migrated before the lock is taken
  const locker = await h.pool.connect();
  let sessionId = '';
  let journaled = 0;
  let signalAt: number;
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE wa_messages IN EXCLUSIVE MODE');
    const historySent = h.sim.waitFor('historySent', (e) => e.phoneNumber === phone, 60_000);
    sessionId = await h.pair({ phoneNumber: phone, history: { chats: size.historyChats, messagesPerChat: size.historyMessages } });
    const sent = await historySent;
    // Every notification decrypted and journaled (so acknowledged, or about to be): the worst moment.
    await settle(async () => (journaled = await h.journalRows(sessionId)) >= sent.chunks, 30_000);
    signalAt = await h.stopApp('SIGKILL');
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    locker.release();
  }
  const storedCount = async (): Promise<number> => Number((await h.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM wa_messages WHERE session_id = $1', [sessionId])).rows[0]!.n);
  const storedAtSignal = await storedCount();
  const recovery = await recover(h, phone, signalAt, size.settleMs, async () => (await storedCount()) >= expected && (await h.journalRows(sessionId)) === 0);
  const stored = await storedCount();
  return {
    scenario: 'history-sigkill', signal: 'SIGKILL', size: { chats: size.historyChats, messagesPerChat: size.historyMessages },
    atSignal: { journaledNotifications: journaled, storedMessages: storedAtSignal },
    account: { expectedMessages: expected, storedMessages: stored, lostMessages: Math.max(0, expected - stored), journalRowsLeft: await h.journalRows(sessionId), journalLeft: await h.journalLeft(sessionId) },
    recovery,
  };
}

/**
 * (c): killed between the scan and the 515 reconnect, at its worst: the phone has registered the
 * device and the credentials are saved, but the session row has not recorded the pairing yet (a
 * lock holds wa_sessions). The next instance must log in with those credentials, not ask for a QR.
 */
async function scanDrill(h: DrillHarness, size: DrillSize): Promise<DrillResult> {
  const phone = drillPhone();
  const app = await h.ensureApp();
  const token = await h.accessToken();
  const sessionId = (await postJson(app.baseUrl, '/sessions', {}, token)).id as string;
  const qr = await firstQr(app.baseUrl, token, sessionId);
  const credsSaved = async (): Promise<boolean> =>
    (await h.pool.query(`SELECT 1 FROM wa_auth_creds WHERE session_id = $1 AND creds->'me'->>'id' IS NOT NULL`, [sessionId])).rowCount === 1;
  const locker = await h.pool.connect();
  let signalAt: number;
  let savedAtSignal: boolean;
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE wa_sessions IN EXCLUSIVE MODE');
    const paired = h.sim.waitFor('paired', (p) => p.phoneNumber === phone, 30_000);
    const scanned = h.sim.scanQr(qr, { phoneNumber: phone });
    await paired;
    savedAtSignal = await settle(credsSaved, 10_000);
    signalAt = await h.stopApp('SIGKILL');
    await scanned;
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    locker.release();
  }
  const pairedAtSignal = (await h.pool.query('SELECT 1 FROM wa_sessions WHERE id = $1 AND paired_at IS NOT NULL', [sessionId])).rowCount === 1;
  const recovery = await recover(h, phone, signalAt, size.settleMs, async () => h.sim.isConnected(phone));
  let messageAfter = false;
  if (h.sim.isConnected(phone)) {
    const id = await h.sim.contact(drillPhone()).sendText(phone, `after the scan drill ${phone}`);
    messageAfter = await settle(async () => (await h.stored(sessionId)).has(id), 20_000);
  }
  const status = (await h.pool.query<{ status: string }>('SELECT status FROM wa_sessions WHERE id = $1', [sessionId])).rows[0]?.status ?? 'missing';
  return {
    scenario: 'scan-515-sigkill', signal: 'SIGKILL', size: {},
    atSignal: { credentialsSaved: savedAtSignal ? 1 : 0, rowPaired: pairedAtSignal ? 1 : 0 },
    account: { pairedOnPhone: h.sim.pairedDevices(phone).length, credentialsKept: await credsSaved(), reconnectedWithoutScan: recovery.completeMs !== null, status, messageAfterStored: messageAfter },
    recovery,
  };
}

/**
 * (d): images from several contacts (one each, each image its own bytes) with inbound downloads on
 * (DOWNLOAD_MEDIA), killed while downloads are in flight: the simulator's media host holds every
 * download half-way, and the app is killed once every image is stored as a message and as many
 * downloads as it runs at once (MEDIA_DOWNLOAD_CONCURRENCY, 4) are held. The held callbacks (they
 * wait for the first download attempt) have not gone out then. The next instance redoes the
 * interrupted downloads at boot and does the pending ones; the account checks each stored file's
 * sha256 against what the contact sent, and each callback's media_info.
 */
async function mediaDrill(h: DrillHarness, size: DrillSize): Promise<DrillResult> {
  const phone = drillPhone();
  const sessionId = await h.pair({ phoneNumber: phone });
  const tracker = new SessionTracker(h.sim, phone);
  const held = h.sim.holdMediaDownloads();
  const captions = new Map<string, string>();
  const digests = new Map<string, string>();
  const sends = Promise.all(
    Array.from({ length: size.images }, async (_, i) => {
      const image = await png(640 + i, 480);
      const caption = `drill image ${i} ${phone}`;
      const id = await h.sim.contact(drillPhone()).send(phone, { media: { kind: 'image', mimetype: 'image/png', data: image, caption } });
      captions.set(id, caption);
      digests.set(id, sha256(image));
    }),
  );
  interface MediaRow { message_id: string; state: string; sha256: string | null; attempts: number }
  const mediaRows = async (): Promise<MediaRow[]> =>
    (await h.pool.query<MediaRow>(`SELECT message_id, state, sha256, attempts FROM wa_media WHERE session_id = $1 AND origin = 'inbound'`, [sessionId])).rows;
  const states = (rows: MediaRow[]): Record<string, number> => rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.state]: (m[r.state] ?? 0) + 1 }), {});
  await held.started;
  const inFlight = Math.min(MEDIA_DOWNLOAD_CONCURRENCY, size.images);
  await settle(async () => {
    const rows = await mediaRows();
    return rows.length >= size.images && rows.filter((r) => r.state === 'downloading').length >= inFlight;
  }, 30_000);
  await sends;
  const rowsAtSignal = await mediaRows();
  const atSignal = { acked: [...tracker.sent.keys()].filter((id) => tracker.acked.has(id)).length, sent: tracker.sent.size, mediaRows: rowsAtSignal.length, ...states(rowsAtSignal), callbacks: h.calledBack(sessionId).byText.size };
  const signalAt = await h.stopApp('SIGKILL');
  held.release(); // the dead process's connections are gone: later downloads are served whole
  // The callbacks carry the caption as the message text.
  const withUrl = (): Set<string> => {
    const texts = new Set<string>();
    for (const c of h.receiver.delivered) {
      if (!c.path.endsWith('/messages/received') || c.body.session_id !== sessionId) continue;
      const info = c.body.media_info as { url?: unknown } | undefined;
      if (typeof info?.url === 'string' && info.url.startsWith('/media/')) texts.add(String(c.body.message_content));
    }
    return texts;
  };
  let downloadedAt: number | null = null;
  const recovery = await recover(h, phone, signalAt, size.settleMs, async () => {
    const stored = await h.stored(sessionId);
    if (![...captions.keys()].every((id) => stored.has(id))) return false;
    const rows = await mediaRows();
    if (rows.length < size.images || rows.some((r) => r.state === 'pending' || r.state === 'downloading')) return false;
    downloadedAt ??= Date.now();
    const urls = withUrl();
    return [...captions.values()].every((c) => urls.has(c)) && (await h.journalRows(sessionId)) === 0;
  });
  tracker.stop();
  for (const [id, caption] of captions) tracker.sent.set(id, caption);
  const rows = await mediaRows();
  const stored = rows.filter((r) => r.state === 'stored');
  const urls = withUrl();
  return {
    scenario: 'media-sigkill', signal: 'SIGKILL', size: { images: size.images },
    atSignal,
    account: {
      ...(await messageAccount(h, sessionId, tracker)),
      media: {
        rows: rows.length,
        stored: stored.length,
        sha256Match: stored.filter((r) => r.sha256 === digests.get(r.message_id)).length,
        failed: rows.filter((r) => r.state === 'failed').length,
        redone: rows.filter((r) => r.attempts > 1).length,
        duplicateRows: rows.length - new Set(rows.map((r) => r.message_id)).size,
      },
      callbacksWithMediaUrl: [...captions.values()].filter((c) => urls.has(c)).length,
      journalRowsLeft: await h.journalRows(sessionId),
    },
    recovery: { ...recovery, downloadedMs: downloadedAt === null ? null : downloadedAt - signalAt, downloadedAfterRestartMs: downloadedAt === null ? null : downloadedAt - signalAt - recovery.restartMs },
  };
}
