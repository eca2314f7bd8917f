/** Helpers for the sessions e2e specs: users, SSE clients, and waiting on the app's events. */
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { EventSource } from 'eventsource';
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { DomainEvent, DomainEventType } from '../../src/events/event-map.js';
import { call, logIn, signUp, type Json } from './auth-helpers.js';
import type { TestApp } from './test-app.js';
import { Waitable } from './waitable.js';

/**
 * fetch-event-source is written for browsers: it uses `window` timers and `document` visibility.
 * Installed on first use, not at import: the embedded database (PGlite) takes a global `window`
 * for a browser and looks for its files under `window.location`.
 */
export function installFetchEventSourceGlobals(): void {
  (globalThis as Record<string, unknown>).window ??= globalThis;
  (globalThis as Record<string, unknown>).document ??= { hidden: false, addEventListener: () => undefined, removeEventListener: () => undefined };
}

export interface TestUser {
  userId: string;
  tenantId: string;
  token: string;
}

export async function newUser(t: TestApp): Promise<TestUser> {
  const user = await signUp(t);
  const { accessToken } = await logIn(t, user.email, user.password);
  return { userId: user.id, tenantId: user.tenantId, token: accessToken };
}

/** Resolves with the first event of `type` matching `predicate` committed by the app from now on. */
export function nextEvent<K extends DomainEventType>(
  t: TestApp,
  type: K,
  predicate: (event: DomainEvent<K>) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<DomainEvent<K>> {
  const events = t.app.get(DomainEvents);
  const waiting = new Promise<DomainEvent<K>>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${timeoutMs} ms`));
    }, timeoutMs);
    // A test that failed before awaiting this must not keep the process alive for it.
    timer.unref();
    const off = events.onCommit(type, (event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
  // Only an awaiting test sees the timeout: one that failed earlier must not fail the next file.
  waiting.catch(() => undefined);
  return waiting;
}

export const statusEvent = (t: TestApp, sessionId: string, status: string, timeoutMs?: number) =>
  nextEvent(t, 'session.status.changed', (e) => e.sessionId === sessionId && e.payload.status === status, timeoutMs);

/** An SSE stream's messages as they arrive, with waits on them. */
export class SseRecorder extends Waitable {
  readonly messages: Json[] = [];
  closed = false;

  push(message: Json): void {
    this.messages.push(message);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Waits for a message matching `predicate` (already received or yet to come). */
  next(predicate: (m: Json) => boolean, timeoutMs = 20_000): Promise<Json> {
    return this.until(() => this.messages.find(predicate), `an SSE message matching ${predicate.toString()}`, timeoutMs);
  }

  async ended(timeoutMs = 20_000): Promise<void> {
    await this.until(() => (this.closed ? true : undefined), 'the end of the SSE stream', timeoutMs);
  }

  protected describeReceived(): string {
    return `got ${JSON.stringify(this.messages).slice(0, 2000)}`;
  }
}

/** The seed's `@microsoft/fetch-event-source` client, with headers. */
export function openSseWithHeaders(t: TestApp, headers: Record<string, string>, query = ''): { recorder: SseRecorder; abort: () => void; status: Promise<number> } {
  const recorder = new SseRecorder();
  const controller = new AbortController();
  let resolveStatus: (s: number) => void = () => undefined;
  const status = new Promise<number>((r) => (resolveStatus = r));
  installFetchEventSourceGlobals();
  void fetchEventSource(`${t.baseUrl}/sessions/add-sse${query}`, {
    headers,
    signal: controller.signal,
    openWhenHidden: true,
    async onopen(res) {
      resolveStatus(res.status);
      if (res.status !== 200) throw new Error(`SSE answered ${res.status}`);
    },
    onmessage(ev) {
      recorder.push(JSON.parse(ev.data));
    },
    onclose() {
      recorder.close();
      // Throwing stops fetch-event-source from reconnecting: the stream ending is final here.
      throw new Error('closed');
    },
    onerror(err) {
      recorder.close();
      throw err;
    },
  }).catch(() => recorder.close());
  return { recorder, abort: () => controller.abort(), status };
}

/** A standard `EventSource` (what a browser has), authenticated by query string. */
export function openEventSource(t: TestApp, query: string): { recorder: SseRecorder; source: EventSource } {
  const recorder = new SseRecorder();
  const source = new EventSource(`${t.baseUrl}/sessions/add-sse${query}`);
  source.onmessage = (ev) => {
    const data = JSON.parse(ev.data as string);
    recorder.push(data);
    if (data.connection === 'open' || data.reason) {
      source.close();
      recorder.close();
    }
  };
  source.onerror = () => {
    source.close();
    recorder.close();
  };
  return { recorder, source };
}

/** Scans the session's current QR with a simulated phone (sandbox endpoint). */
export async function sandboxScan(t: TestApp, token: string, sessionId: string, phoneNumber: string, extra: Record<string, unknown> = {}): Promise<Json> {
  const res = await call(t, 'POST', `/sandbox/sessions/${sessionId}/scan`, { token, body: { phoneNumber, ...extra } });
  if (res.status !== 200) throw new Error(`scan failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

let phoneCounter = 0;
/** A phone number no other test of this process uses. */
export function uniquePhone(): string {
  phoneCounter += 1;
  return `549${String(process.pid % 10000).padStart(4, '0')}${String(Date.now() % 100000).padStart(5, '0')}${phoneCounter}`.slice(0, 15);
}

/** A new session of `token`'s user, linked by a new phone of the in-process sandbox simulator and connected. */
export async function linkSandboxSession(t: TestApp, token: string): Promise<{ id: string; phone: string }> {
  const created = await call(t, 'POST', '/sessions', { token });
  const id = created.body.id as string;
  const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === id);
  const phone = uniquePhone();
  await t.app.get(SandboxService).simulator.scanQr(qr.payload.qrText, { phoneNumber: phone });
  await awaitStatus(t, token, id, 'connected', 30_000);
  return { id, phone };
}

/** Resolves once the session has `status` (now or later), race-free against the app's events. */
export async function awaitStatus(t: TestApp, token: string, sessionId: string, status: string, timeoutMs = 20_000): Promise<void> {
  const events = t.app.get(DomainEvents);
  let off: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    off = events.onCommit('session.status.changed', (e) => {
      if (e.sessionId === sessionId && e.payload.status === status) resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await call(t, 'GET', `/sessions/${sessionId}`, { token });
    if (res.body?.data?.status === status) return;
    await Promise.race([
      reached,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`session ${sessionId} did not reach ${status} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    off();
    clearTimeout(timer);
  }
}

/** A session onboarded over SSE and scanned by the sandbox phone, up to the `open` message. */
export async function onboardInSandbox(t: TestApp, token: string): Promise<{ sessionId: string; phone: string; recorder: SseRecorder }> {
  const phone = uniquePhone();
  const { recorder } = openSseWithHeaders(t, { authorization: `Bearer ${token}` });
  const { sessionId } = await recorder.next((m) => m.sessionId && !m.connection);
  await recorder.next((m) => m.qr);
  await sandboxScan(t, token, sessionId, phone);
  await recorder.next((m) => m.connection === 'open');
  return { sessionId, phone, recorder };
}
