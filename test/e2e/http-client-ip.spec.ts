/**
 * Who the client is, and how long it may take: TRUST_PROXY decides whose X-Forwarded-For names
 * the client IP of every per-IP limit (sign-up, realtime connections, on Fastify routes and on
 * raw WebSocket upgrades alike); slow headers are cut at HTTP_HEADERS_TIMEOUT_MS; Socket.io's
 * long-polling CORS sends no credentials for `*`.
 */
import { connect } from 'node:net';
import WebSocket from 'ws';
import { call, PASSWORD, uniqueEmail, type Json } from '../support/auth-helpers.js';
import { newUser, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const LIMITS = { SIGNUP_MAX_PER_IP: '2', REALTIME_MAX_CONNECTIONS_PER_IP: '1', HTTP_HEADERS_TIMEOUT_MS: '1000' };

const signUpFrom = (t: TestApp, ip: string): Promise<number> =>
  call(t, 'POST', '/users', { body: { email: uniqueEmail('ip'), password: PASSWORD, name: 'Proxied' }, headers: { 'x-forwarded-for': ip } }).then((r) => r.status);

/** Opens /ws/sessions with a forwarded-for header: 'open', or the refusal's status and error code. */
function wsFrom(t: TestApp, user: TestUser, ip: string, opened: WebSocket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/ws/sessions?accessToken=${encodeURIComponent(user.token)}`, { headers: { 'x-forwarded-for': ip } });
    opened.push(ws);
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () => {
        const body: Json = JSON.parse(text);
        resolve(`${res.statusCode} ${body.error.code} ${body.error.details?.scope}`);
      });
    });
    ws.once('error', reject);
  });
}

describe('client IP behind proxies (TRUST_PROXY)', () => {
  const opened: WebSocket[] = [];
  afterAll(() => {
    for (const ws of opened) ws.terminate();
  });

  describe('default: loopback and private proxies are trusted', () => {
    let t: TestApp;
    let user: TestUser;
    beforeAll(async () => {
      t = await startTestApp({ env: { ...LIMITS } });
      user = await newUser(t);
    });
    afterAll(async () => {
      await t?.close({ drop: true });
    });

    it("takes a trusted proxy's X-Forwarded-For as the client, for Fastify routes and WebSocket upgrades", async () => {
      expect([await signUpFrom(t, '198.51.100.1'), await signUpFrom(t, '198.51.100.2'), await signUpFrom(t, '198.51.100.3')]).toEqual([201, 201, 201]);
      expect(await wsFrom(t, user, '198.51.100.1', opened)).toBe('open');
      expect(await wsFrom(t, user, '198.51.100.2', opened)).toBe('open');
      expect(await wsFrom(t, user, '198.51.100.1', opened)).toBe('429 TOO_MANY_CONNECTIONS ip');
    });

    it('cuts a client that sends its headers too slowly (HTTP_HEADERS_TIMEOUT_MS) or nothing at all', async () => {
      for (const partial of ['GET /health HTTP/1.1\r\nHost: localhost\r\n', '']) {
        const started = Date.now();
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(new URL(t.baseUrl).port), '127.0.0.1', () => socket.write(partial));
          let text = '';
          socket.on('data', (c) => (text += String(c)));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
          socket.setTimeout(15_000, () => socket.destroy(new Error('the server kept a slow client for 15 s')));
        });
        if (partial) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    });

    it("answers Socket.io long-polling CORS for `*` without credentials", async () => {
      const res = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://elsewhere.example' } });
      await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://elsewhere.example');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`, {
        method: 'OPTIONS',
        headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });

  describe('TRUST_PROXY=false: a direct client cannot choose its IP', () => {
    let t: TestApp;
    let user: TestUser;
    beforeAll(async () => {
      t = await startTestApp({ env: { ...LIMITS, TRUST_PROXY: 'false' } });
      user = await newUser(t);
    });
    afterAll(async () => {
      await t?.close({ drop: true });
    });

    it('ignores a forged X-Forwarded-For for the per-IP limits', async () => {
      // newUser above signed up once from 127.0.0.1 already.
      expect([await signUpFrom(t, '198.51.100.1'), await signUpFrom(t, '198.51.100.2')]).toEqual([201, 429]);
      expect(await wsFrom(t, user, '198.51.100.1', opened)).toBe('open');
      expect(await wsFrom(t, user, '198.51.100.2', opened)).toBe('429 TOO_MANY_CONNECTIONS ip');
    });
  });
});
