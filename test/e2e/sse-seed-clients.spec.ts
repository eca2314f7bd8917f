/**
 * Seed 000's own SSE clients, run as the seed writes them (only the DOM calls replaced and the
 * auth header added), against the app with a 1 s heartbeat: the complete fetch-event-source
 * example and option 1 (a native EventSource). The wire is tapped (window.fetch) to count
 * heartbeats and to drop the connection mid-onboarding.
 */
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { EventSource } from 'eventsource';
import { call, type Json } from '../support/auth-helpers.js';
import { installFetchEventSourceGlobals, newUser, sandboxScan, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { Recording, Waitable } from '../support/waitable.js';

// The seed's fetchEventSource example runs as in a browser.
installFetchEventSourceGlobals();

/** Every add-sse response on the wire: its status, the heartbeats seen, and a way to cut it. */
class WireTap extends Waitable {
  readonly responses: Array<{ status: number; lastEventId: string | null; heartbeats: number; drop: () => void }> = [];

  install(): () => void {
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      if (!String(input).includes('/sessions/add-sse')) return realFetch(input, init);
      const cut = new AbortController();
      const signal = init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal;
      const res = await realFetch(input, { ...init, signal });
      const headers = new Headers(init?.headers);
      const entry = { status: res.status, lastEventId: headers.get('last-event-id'), heartbeats: 0, drop: () => cut.abort(new Error('network dropped')) };
      this.responses.push(entry);
      this.wake();
      if (!res.body) return res;
      const [forClient, forTap] = res.body.tee();
      void (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of forTap) {
            entry.heartbeats += decoder.decode(chunk as Uint8Array).split(': heartbeat\n').length - 1;
            this.wake();
          }
        } catch {
          // Dropped: the client side sees the same error.
        }
      })();
      return new Response(forClient, { status: res.status, headers: res.headers });
    };
    return () => {
      globalThis.fetch = realFetch;
    };
  }

  response(n: number, timeoutMs = 20_000) {
    return this.until(() => this.responses[n], `add-sse response #${n + 1}`, timeoutMs);
  }

  heartbeats(n: number, count: number, timeoutMs = 20_000): Promise<number> {
    return this.until(() => ((this.responses[n]?.heartbeats ?? 0) >= count ? count : undefined), `${count} heartbeats on response #${n + 1}`, timeoutMs);
  }

  protected describeReceived(): string {
    return JSON.stringify(this.responses.map(({ status, heartbeats, lastEventId }) => ({ status, heartbeats, lastEventId })));
  }
}

/** What the seed's UI calls (document.getElementById, showSpinner, …) did, in order. */
type Ui = Recording<Json>;

describe('seed 000 clients as written', () => {
  let t: TestApp;
  let alice: TestUser;
  const tap = new WireTap();
  let uninstall: () => void;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', SSE_HEARTBEAT_MS: '1000', SSE_RESUME_GRACE_MS: '10000' } });
    uninstall = tap.install();
  });
  afterAll(async () => {
    uninstall?.();
    await t?.close({ drop: true });
  });
  beforeEach(async () => {
    tap.responses.length = 0;
    alice = await newUser(t);
  });

  const sessionsOf = async (user: TestUser): Promise<Json[]> => (await call(t, 'GET', '/sessions', { token: user.token })).body.data;

  /** Seed 000's "Ejemplo completo de implementacion", verbatim but for API_URL and the auth header. */
  function seedCompleteExample(user: TestUser, ui: Ui): Promise<void> {
    const API_URL = t.baseUrl;

    async function createWhatsAppSession(userId: string, onUpdate: (event: Json) => void) {
      let sessionId = null;

      await fetchEventSource(`${API_URL}/sessions/add-sse`, {
        headers: {
          "x-user-id": userId,
          authorization: `Bearer ${user.token}`,
        },

        onmessage(event) {
          const data = JSON.parse(event.data);

          // (1) Mensaje inicial
          if (!data.connection && data.sessionId) {
            sessionId = data.sessionId;
            onUpdate({ type: "session_created", sessionId });
            return;
          }

          // (2) QR recibido
          if (data.connection === "connecting" && data.qr) {
            onUpdate({ type: "qr", qr: data.qr, sessionId: data.sessionId });
            return;
          }

          // (3) Conectando (sin QR, post-escaneo)
          if (data.connection === "connecting" && !data.qr) {
            onUpdate({ type: "authenticating", sessionId: data.sessionId });
            return;
          }

          // (4) Conexion exitosa
          if (data.connection === "open") {
            onUpdate({
              type: "connected",
              sessionId: data.sessionId,
              phoneNumber: data.phoneNumber,
              deviceName: data.deviceName,
              accountType: data.accountType,
            });
            return;
          }

          // (5a) Cierre definitivo (tiene campo "reason")
          if (data.connection === "close" && data.reason) {
            onUpdate({
              type: "closed",
              sessionId: data.sessionId,
              reason: data.reason, // "logged_out" | "max_retries_reached" | "qr_expired"
              statusCode: data.statusCode,
            });
            return;
          }

          // (5b) Cierre temporal (reconectable, tiene "lastDisconnect")
          if (data.connection === "close") {
            onUpdate({
              type: "reconnecting",
              sessionId: data.sessionId,
              statusCode: data.lastDisconnect?.error?.output?.statusCode,
            });
            return;
          }
        },

        onerror(err) {
          onUpdate({ type: "error", error: err.message || "Connection lost" });
        },

        onclose() {
          onUpdate({ type: "stream_closed" });
        },
      });
    }

    // Uso: the seed's switch, with its DOM calls recorded instead.
    return createWhatsAppSession(user.userId, (event) => {
      switch (event.type) {
        case "session_created":
          ui.push({ call: 'log', sessionId: event.sessionId });
          break;
        case "qr":
          ui.push({ call: 'qr-img.src', src: event.qr });
          break;
        case "authenticating":
          ui.push({ call: 'showSpinner', text: "Autenticando..." });
          break;
        case "connected":
          ui.push({ call: 'showSuccess', text: `Conectado: +${event.phoneNumber} (${event.accountType})` });
          ui.push({ call: 'redirectToDashboard' });
          break;
        case "reconnecting":
          ui.push({ call: 'showInfo', text: "Reconectando..." });
          break;
        case "closed":
          ui.push({ call: 'showError', reason: event.reason });
          break;
        case "stream_closed":
          ui.push({ call: 'hideQR' });
          break;
        case "error":
          ui.push({ call: 'showError', text: "Error de conexion: " + event.error });
          break;
      }
    });
  }

  it('the complete fetch-event-source example survives heartbeats: the seed table in order, one session', async () => {
    const ui = new Recording<Json>();
    const done = seedCompleteExample(alice, ui);
    const { sessionId } = await ui.next((c) => c.call === 'log', 'the session id');
    await ui.next((c) => c.call === 'qr-img.src', 'a QR');
    await tap.heartbeats(0, 3);
    const phone = uniquePhone();
    await sandboxScan(t, alice.token, sessionId, phone);
    await done;
    // The 515 restart after the scan shows as "Reconectando..." between the two "Autenticando...".
    expect(ui.items.filter((c) => c.call !== 'qr-img.src')).toEqual([
      { call: 'log', sessionId },
      { call: 'showSpinner', text: 'Autenticando...' },
      { call: 'showInfo', text: 'Reconectando...' },
      { call: 'showSpinner', text: 'Autenticando...' },
      { call: 'showSuccess', text: `Conectado: +${phone} (personal)` },
      { call: 'redirectToDashboard' },
      { call: 'hideQR' },
    ]);
    expect(tap.responses.map((r) => r.status)).toEqual([200]);
    expect((await sessionsOf(alice)).map((s) => [s.id, s.status])).toEqual([[sessionId, 'connected']]);
  });

  it('resumes the same onboarding when the connection drops mid-onboarding (Last-Event-ID), one session', async () => {
    const ui = new Recording<Json>();
    const done = seedCompleteExample(alice, ui);
    const { sessionId } = await ui.next((c) => c.call === 'log', 'the session id');
    await ui.next((c) => c.call === 'qr-img.src', 'a QR');
    (await tap.response(0)).drop();
    await ui.next((c) => c.call === 'showError', 'the onerror of the drop');
    const resumed = await tap.response(1);
    expect(resumed).toMatchObject({ status: 200, lastEventId: `${sessionId}:2` });
    await tap.heartbeats(1, 1);
    const phone = uniquePhone();
    await sandboxScan(t, alice.token, sessionId, phone);
    await done;
    const calls = ui.items.filter((c) => c.call !== 'qr-img.src');
    expect(calls[0]).toEqual({ call: 'log', sessionId });
    expect(calls[1]).toEqual({ call: 'showError', text: expect.stringContaining('Error de conexion') });
    expect(calls.filter((c) => c.call === 'log')).toHaveLength(1);
    expect(calls.slice(-3)).toEqual([{ call: 'showSuccess', text: `Conectado: +${phone} (personal)` }, { call: 'redirectToDashboard' }, { call: 'hideQR' }]);
    expect(tap.responses.map((r) => r.status)).toEqual([200, 200]);
    expect((await sessionsOf(alice)).map((s) => [s.id, s.status])).toEqual([[sessionId, 'connected']]);
  });

  it('option 1, a native EventSource: the messages in order, and after open its reconnect is told 204 and it stops', async () => {
    const received: Json[] = [];
    const waiter = new Recording<Json>();
    const handleSSEMessage = (data: Json) => {
      received.push(data);
      waiter.push({ call: 'message', data });
    };
    // Opcion 1: EventSource nativo, with the access token (a browser cannot send x-user-id).
    const evtSource = new EventSource(`${t.baseUrl}/sessions/add-sse?accessToken=${encodeURIComponent(alice.token)}`, { fetch: globalThis.fetch });
    evtSource.onmessage = (event) => handleSSEMessage(JSON.parse(event.data));
    evtSource.onerror = () => waiter.push({ call: 'error', readyState: evtSource.readyState });
    const first = await waiter.next((c) => c.data?.sessionId && !c.data.connection, 'the session id');
    const sessionId: string = first.data.sessionId;
    await waiter.next((c) => c.data?.qr, 'a QR');
    await tap.heartbeats(0, 2);
    const phone = uniquePhone();
    await sandboxScan(t, alice.token, sessionId, phone);
    await waiter.next((c) => c.data?.connection === 'open', 'open');
    await waiter.next((c) => c.call === 'error' && c.readyState === EventSource.CLOSED, 'the EventSource to stop');
    expect(tap.responses.map((r) => r.status)).toEqual([200, 204]);
    expect(tap.responses[1]?.lastEventId).toBe(`${sessionId}:${received.length}`);
    expect(received.filter((m) => !m.qr).map((m) => m.connection ?? 'id')).toEqual(['id', 'connecting', 'close', 'connecting', 'open']);
    expect(received.at(-1)).toEqual({ connection: 'open', sessionId, phoneNumber: phone, deviceName: null, accountType: 'personal' });
    expect((await sessionsOf(alice)).map((s) => [s.id, s.status])).toEqual([[sessionId, 'connected']]);
    evtSource.close();
  });

  it('answers 204 to a Last-Event-ID of no live onboarding (unknown or malformed), creating nothing', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000:3', 'garbage']) {
      const res = await fetch(`${t.baseUrl}/sessions/add-sse`, { headers: { authorization: `Bearer ${alice.token}`, 'last-event-id': id } });
      expect(res.status).toBe(204);
    }
    expect(await sessionsOf(alice)).toEqual([]);
  });
});
