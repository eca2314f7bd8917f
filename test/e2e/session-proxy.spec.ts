/**
 * Per-session proxies end to end (CONTRACT Part 3): real proxy servers from Debian's packages
 * (tinyproxy for HTTP CONNECT, microsocks for SOCKS5, stunnel4 terminating TLS in front of a
 * tinyproxy for HTTPS, each with a password), the app in sandbox mode trusting the HTTPS proxy's CA
 * through WA_PROXY_CA_FILE, real Baileys and the simulator on 127.0.0.1. A session connects, sends
 * a text, uploads and downloads media through each proxy (the proxy's own log shows the tunnels); a
 * wrong password, a closed port and an HTTPS proxy whose certificate no trusted CA issued give
 * `disconnectedReason: "proxy_error"`; answers and logs never show the password.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { freePort } from '../support/free-port.js';
import { png, sha256, upload } from '../support/media-fixtures.js';
import { startMicrosocks, startTinyproxy, startTlsProxy, type ProxyServer, type TlsProxyServer } from '../support/proxy-servers.js';
import { awaitStatus, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { Recording } from '../support/waitable.js';
import { DomainEvents } from '../../src/events/domain-events.js';

const HTTP_PASSWORD = 'tiny-s3cret-pw';
const SOCKS_PASSWORD = 'socks-s3cret-pw';
const TLS_PASSWORD = 'tls-s3cret-pw';
const WRONG_PASSWORD = 'wrong-s3cret-pw';

describe('per-session proxies (tinyproxy, microsocks, stunnel4 + tinyproxy)', () => {
  let t: TestApp;
  let sim: WhatsAppSimulator;
  let tinyproxy: ProxyServer;
  let microsocks: ProxyServer;
  /** Its CA is in WA_PROXY_CA_FILE. */
  let tlsProxy: TlsProxyServer;
  /** Its certificate comes from a CA the app does not trust. */
  let untrustedTlsProxy: TlsProxyServer;
  const logs: string[] = [];
  /** Every session status change with its reason, from boot. */
  const reasons = new Recording<{ sessionId: string; status: string; reason: string | null; message: string | null }>();

  beforeAll(async () => {
    [tinyproxy, microsocks, tlsProxy, untrustedTlsProxy] = await Promise.all([
      startTinyproxy('alice', HTTP_PASSWORD), startMicrosocks('bob', SOCKS_PASSWORD), startTlsProxy('carol', TLS_PASSWORD), startTlsProxy('carol', TLS_PASSWORD),
    ]);
    t = await startTestApp({
      env: { WA_SANDBOX: 'true', LOG_LEVEL: 'info', RECONNECT_BASE_DELAY_MS: '60000', WA_PROXY_CA_FILE: tlsProxy.caFile },
      logTo: { write: (line) => void logs.push(line) },
    });
    sim = t.app.get(SandboxService).simulator;
    t.app.get(DomainEvents).onCommit('session.status.changed', (e) => reasons.push({ sessionId: e.sessionId, status: e.payload.status, reason: e.payload.reason, message: e.payload.message }));
  });
  afterAll(async () => {
    await t?.close({ drop: true });
    await tinyproxy?.close();
    await microsocks?.close();
    await tlsProxy?.close();
    await untrustedTlsProxy?.close();
  });

  const wsTarget = (): string => new URL(sim.url).host;
  const mediaTarget = (): string => sim.mediaHost!.hostname;

  async function createSession(user: TestUser, proxy?: string): Promise<Json> {
    const created = await call(t, 'POST', '/sessions', { token: user.token, body: proxy ? { proxy } : {} });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function scan(user: TestUser, sessionId: string): Promise<string> {
    const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === sessionId);
    const phone = uniquePhone();
    await sim.scanQr(qr.payload.qrText, { phoneNumber: phone });
    await awaitStatus(t, user.token, sessionId, 'connected', 30_000);
    return phone;
  }

  /** A text, an uploaded image sent, and an image a contact sends downloaded: all through `proxy`. */
  async function sendsAndDownloadsThrough(user: TestUser, sessionId: string, phone: string, proxy: ProxyServer): Promise<void> {
    const contact = sim.contact(uniquePhone());
    const text = await call(t, 'POST', `/sessions/${sessionId}/messages`, { token: user.token, body: { to: contact.phoneNumber, text: 'hola por el proxy' } });
    expect(text.status).toBe(201);
    await sim.waitForSentMessage((m) => m.id === text.body.id && m.decryptedBy.includes('contact'));

    const image = await png();
    const uploaded = await upload(t, { token: user.token, kind: 'image', file: { bytes: image, fileName: 'p.png' } });
    expect(uploaded.status).toBe(201);
    const sent = await call(t, 'POST', `/chats/${contact.phoneNumber}/messages`, { token: user.token, body: { mediaId: uploaded.body.id } });
    expect(sent.status).toBe(201);
    const record = await sim.waitForSentMessage((m) => m.id === sent.body.id && m.decryptedBy.includes('contact'));
    expect(record.media).toMatchObject({ sha256: sha256(image) });
    await proxy.tunnels.next((target) => target === mediaTarget(), 'the upload tunnelled to the media host');
    const mediaTunnels = proxy.tunnels.items.filter((target) => target === mediaTarget()).length;

    const sender = uniquePhone();
    const announced = nextEvent(t, 'session.messages.media', (e) => e.sessionId === sessionId && e.payload.media[0]?.chatJid === `${sender}@s.whatsapp.net`);
    await sim.contact(sender).send(phone, { media: { kind: 'image', mimetype: 'image/png', data: image } });
    const event = await announced;
    expect(event.payload.media[0]).toMatchObject({ sha256: sha256(image), size: image.length });
    // The download opened a tunnel of its own (undici's dispatcher), after the upload's.
    expect(proxy.tunnels.items.filter((target) => target === mediaTarget()).length).toBeGreaterThan(mediaTunnels);
  }

  it('connects, sends and downloads media through an HTTP CONNECT proxy with a password (tinyproxy), never showing it', async () => {
    const user = await newUser(t);
    expect((await call(t, 'POST', '/config/download-media', { token: user.token, body: { enabled: true } })).status).toBe(200);
    const created = await createSession(user, tinyproxy.url);
    expect(created.proxy).toBe(`http://127.0.0.1:${tinyproxy.port}`);
    const phone = await scan(user, created.id);
    await tinyproxy.tunnels.next((target) => target === wsTarget(), 'the WebSocket tunnelled to the simulator');

    const read = await call(t, 'GET', `/sessions/${created.id}`, { token: user.token });
    expect(read.body.data).toMatchObject({ status: 'connected', proxy: `http://127.0.0.1:${tinyproxy.port}` });
    await sendsAndDownloadsThrough(user, created.id, phone, tinyproxy);
    const listed = await call(t, 'GET', '/sessions', { token: user.token });
    expect(JSON.stringify([created, read.body, listed.body])).not.toContain(HTTP_PASSWORD);

    // A download on demand while the session is stopped goes through its stored proxy too.
    expect((await call(t, 'POST', '/config/download-media', { token: user.token, body: { enabled: false } })).status).toBe(200);
    const sender = uniquePhone();
    const stored = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === created.id && e.payload.messages.some((m) => m.chatJid === `${sender}@s.whatsapp.net`));
    const image = await png(40, 30);
    const messageId = await sim.contact(sender).send(phone, { media: { kind: 'image', mimetype: 'image/png', data: image } });
    await stored;
    expect((await call(t, 'POST', `/sessions/${created.id}/stop`, { token: user.token })).body.data.status).toBe('disconnected');
    const tunnelsBefore = tinyproxy.tunnels.items.filter((target) => target === mediaTarget()).length;
    const downloaded = await call(t, 'POST', `/chats/${sender}/messages/${messageId}/media?sessionId=${created.id as string}`, { token: user.token });
    expect(downloaded.status).toBe(200);
    expect(downloaded.body.data.media).toMatchObject({ state: 'stored', sha256: sha256(image) });
    expect(tinyproxy.tunnels.items.filter((target) => target === mediaTarget()).length).toBeGreaterThan(tunnelsBefore);
  });

  it('connects, sends and downloads media through an HTTPS proxy (TLS to the proxy, its CA from WA_PROXY_CA_FILE), never showing the password', async () => {
    const user = await newUser(t);
    expect((await call(t, 'POST', '/config/download-media', { token: user.token, body: { enabled: true } })).status).toBe(200);
    const tlsBefore = tlsProxy.tlsConnections.items.length;
    const created = await createSession(user, tlsProxy.url);
    expect(created.proxy).toBe(`https://127.0.0.1:${tlsProxy.port}`);
    const phone = await scan(user, created.id);
    await tlsProxy.tunnels.next((target) => target === wsTarget(), 'the WebSocket tunnelled to the simulator');
    await sendsAndDownloadsThrough(user, created.id, phone, tlsProxy);
    // The WebSocket, the upload and the download each came in over TLS (stunnel's log).
    expect(tlsProxy.tlsConnections.items.length - tlsBefore).toBeGreaterThanOrEqual(3);
    const read = await call(t, 'GET', `/sessions/${created.id}`, { token: user.token });
    expect(read.body.data).toMatchObject({ status: 'connected', proxy: `https://127.0.0.1:${tlsProxy.port}` });
    expect(JSON.stringify([created, read.body])).not.toContain(TLS_PASSWORD);
    expect((await call(t, 'DELETE', `/sessions/${created.id}`, { token: user.token })).status).toBe(200);
  });

  it('moves a linked session to a SOCKS5 proxy with a password (microsocks) by PATCH, from its next connect', async () => {
    const user = await newUser(t);
    expect((await call(t, 'POST', '/config/download-media', { token: user.token, body: { enabled: true } })).status).toBe(200);
    const created = await createSession(user);
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'id', 'status']);
    const phone = await scan(user, created.id);

    const patched = await call(t, 'PATCH', `/sessions/${created.id}`, { token: user.token, body: { proxy: microsocks.url } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ id: created.id, status: 'connected', proxy: `socks5://127.0.0.1:${microsocks.port}` });
    expect(JSON.stringify(patched.body)).not.toContain(SOCKS_PASSWORD);
    expect(microsocks.tunnels.items).toEqual([]);

    const connected = nextEvent(t, 'session.status.connected', (e) => e.sessionId === created.id);
    expect((await call(t, 'POST', `/sessions/${created.id}/restart`, { token: user.token })).status).toBe(200);
    await connected;
    await microsocks.tunnels.next((target) => target === wsTarget(), 'the WebSocket tunnelled to the simulator');
    await sendsAndDownloadsThrough(user, created.id, phone, microsocks);

    // null removes it: the next connect is direct again.
    const cleared = await call(t, 'PATCH', `/sessions/${created.id}`, { token: user.token, body: { proxy: null } });
    expect(cleared.body.data.proxy).toBeNull();
  });

  it('says proxy_error for a wrong password (HTTP CONNECT in clear and over TLS, SOCKS5 auth), a closed port and an untrusted proxy certificate, and keeps serving', async () => {
    const user = await newUser(t);
    const closedPort = await freePort();
    const cases = [
      tinyproxy.url.replace(HTTP_PASSWORD, WRONG_PASSWORD),
      microsocks.url.replace(SOCKS_PASSWORD, WRONG_PASSWORD),
      `socks5://bob:${SOCKS_PASSWORD}@127.0.0.1:${closedPort}`,
      `http://127.0.0.1:${closedPort}`,
      tlsProxy.url.replace(TLS_PASSWORD, WRONG_PASSWORD),
      untrustedTlsProxy.url,
    ];
    const messages: Array<string | null> = [];
    for (const proxy of cases) {
      const created = await createSession(user, proxy);
      const refused = await reasons.next((r) => r.sessionId === created.id && r.status === 'disconnected', `the close of ${created.id}`);
      expect({ proxy: created.proxy, reason: refused.reason }).toEqual({ proxy: expect.stringMatching(/^(https?|socks5):\/\/127\.0\.0\.1:\d+$/), reason: 'proxy_error' });
      const read = await call(t, 'GET', `/sessions/${created.id}`, { token: user.token });
      expect(read.body.data).toMatchObject({ status: 'disconnected', disconnectedReason: 'proxy_error' });
      expect((await call(t, 'DELETE', `/sessions/${created.id}`, { token: user.token })).status).toBe(200);
      messages.push(refused.message);
    }
    // Over TLS the refusal is tinyproxy's (it answers a wrong password with 401); the untrusted proxy's is its certificate.
    expect(messages.slice(-2)).toEqual([expect.stringMatching(/answered 40[17] to CONNECT/), expect.stringMatching(/certificate/)]);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  });

  it('refuses malformed proxies with a 400 in the error shape, and another tenant\'s session with a 404', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const bad = ['ftp://host:21', 'socks4://host:1080', 'not a url', 'http://', 'http://host:3128/path', 'http://h\u0000st:1', '\ufeffhttp://host:1', 'http://ho\ud800st:1', '', 42, ['http://host:1']];
    for (const proxy of bad) {
      expectErrorShape(await call(t, 'POST', '/sessions', { token: user.token, body: { proxy } }), 400, 'VALIDATION_ERROR');
    }
    const created = await createSession(user);
    for (const proxy of bad) {
      expectErrorShape(await call(t, 'PATCH', `/sessions/${created.id}`, { token: user.token, body: { proxy } }), 400, 'VALIDATION_ERROR');
    }
    expectErrorShape(await call(t, 'PATCH', `/sessions/${created.id}`, { token: user.token, body: { proxy: null, color: 'red' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await call(t, 'PATCH', `/sessions/${created.id}`, { token: other.token, body: { proxy: null } }), 404, 'NOT_FOUND');
    expect((await call(t, 'DELETE', `/sessions/${created.id}`, { token: user.token })).status).toBe(200);
    // Nothing the app logged (at info) carried a proxy password.
    const all = logs.join('\n');
    expect(all).not.toContain(HTTP_PASSWORD);
    expect(all).not.toContain(SOCKS_PASSWORD);
    expect(all).not.toContain(TLS_PASSWORD);
    expect(all).not.toContain(WRONG_PASSWORD);
    // The refusals were logged (at info, with the session), without any of it.
    expect(all).toContain('"reason":"proxy_error"');
  });
});
