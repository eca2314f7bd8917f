/**
 * WhatsApp Web version currency end to end (CONTRACT Part 3): a local HTTP server plays WhatsApp
 * Web's service worker (the document Baileys' `fetchLatestWaWebVersion` reads) at WA_VERSION_URL.
 * The version is read at boot and shown in /health and `wa_web_version_info`; when the simulator
 * starts refusing the version a linked session announces (405, as WhatsApp does for an outdated
 * one), the session reads the version once more and reconnects with the new one at once.
 * WA_PROXY_URL (a tinyproxy) is the default proxy: the session's socket and the version reads go
 * through it, as its log shows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import { DomainEvents } from '../../src/events/domain-events.js';
import { call } from '../support/auth-helpers.js';
import { linkSandboxSession, newUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { Recording } from '../support/waitable.js';
import { startTinyproxy, type ProxyServer } from '../support/proxy-servers.js';

const FIRST = 1031000001;
const SECOND = 1031000002;

describe('WhatsApp Web version currency', () => {
  let server: Server;
  let revision = FIRST;
  const requests = new Recording<string>();
  let t: TestApp;
  let proxy: ProxyServer;
  let versionHost: string;
  let sim: WhatsAppSimulator;
  let user: Awaited<ReturnType<typeof newUser>>;
  let phone: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/javascript');
      // The shape of web.whatsapp.com/sw.js: the revision inside an escaped JSON blob.
      res.end(`self.__swData=JSON.parse(/*BTDS*/"{\\"dynamic_data\\":{\\"SiteData\\":{\\"server_revision\\":${revision},\\"client_revision\\":${revision}}}}");`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    versionHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    proxy = await startTinyproxy('ops', 'default-proxy-pw');
    t = await startTestApp({
      env: {
        WA_SANDBOX: 'true', WA_FETCH_LATEST_VERSION: 'true', WA_VERSION_URL: `http://${versionHost}/sw.js`, WA_VERSION_REFRESH_MS: '3600000',
        RECONNECT_BASE_DELAY_MS: '100', WA_PROXY_URL: proxy.url,
      },
    });
    sim = t.app.get(SandboxService).simulator;
  });
  afterAll(async () => {
    await t?.close({ drop: true });
    await new Promise((resolve) => server?.close(resolve));
    await proxy?.close();
  });

  async function health(): Promise<Record<string, unknown>> {
    const res = await fetch(`${t.baseUrl}/health`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { whatsapp: { version: Record<string, unknown> } }).whatsapp.version;
  }

  const metrics = async (): Promise<string> => (await fetch(`${t.baseUrl}/metrics`)).text();

  it('reads the version at boot (through WA_PROXY_URL) and shows it in /health and wa_web_version_info; sockets announce it', async () => {
    await requests.next(() => true, 'the boot read');
    user = await newUser(t);
    ({ phone } = await linkSandboxSession(t, user.token));
    expect(await health()).toEqual({ version: `2.3000.${FIRST}`, source: 'fetched', fetchedAt: expect.stringMatching(/^\d{4}-/), fetchLatest: true });
    expect(await metrics()).toMatch(new RegExp(`wa_web_version_info\\{version="2\\.3000\\.${FIRST}",source="fetched"\\} 1`));
    expect(sim.announcedVersions.at(-1)).toBe(`2.3000.${FIRST}`);
    // WA_PROXY_URL carried the version read and the session's socket; the session has no proxy of its own.
    expect(proxy.tunnels.items).toEqual(expect.arrayContaining([versionHost, new URL(sim.url).host]));
    expect((await call(t, 'GET', '/sessions', { token: user.token })).body.data[0].proxy).toBeNull();
  });

  it('after a 405 reads the version once more and reconnects at once with the new one', async () => {
    // WhatsApp moves on: the announced version is refused with 405 from the next login.
    revision = SECOND;
    sim.requireClientVersion(`2.3000.${SECOND}`);
    const readsBefore = requests.items.length;
    const { id } = (await call(t, 'GET', '/sessions', { token: user.token })).body.data[0] as { id: string };
    const statuses = new Recording<{ status: string; reason: string | null; statusCode: number | null }>();
    const off = t.app.get(DomainEvents).onCommit('session.status.changed', (e) => {
      if (e.sessionId === id) statuses.push({ status: e.payload.status, reason: e.payload.reason, statusCode: e.payload.statusCode });
    });
    try {
      const rejected = new Promise((resolve) => sim.events.once('versionRejected', resolve));
      sim.closeConnection(phone);
      expect(await rejected).toEqual({ version: `2.3000.${FIRST}`, required: `2.3000.${SECOND}` });
      await statuses.next((s) => s.statusCode === 405, 'the 405 close');
      await statuses.next((s) => s.status === 'connected', 'the reconnect');
      // One read after the 405, and the reconnect right after it announced the new version.
      expect(requests.items.length).toBe(readsBefore + 1);
      expect(sim.announcedVersions.at(-1)).toBe(`2.3000.${SECOND}`);
      const after405 = statuses.items.slice(statuses.items.findIndex((s) => s.statusCode === 405));
      expect(after405.map((s) => s.status)).toEqual(['disconnected', 'connecting', 'connected']);
    } finally {
      off();
      sim.requireClientVersion(null);
    }
    expect(await health()).toMatchObject({ version: `2.3000.${SECOND}`, source: 'fetched' });
    const text = await metrics();
    expect(text).toMatch(new RegExp(`wa_web_version_info\\{version="2\\.3000\\.${SECOND}",source="fetched"\\} 1`));
    expect(text).not.toContain(`version="2.3000.${FIRST}"`);
  });
});
