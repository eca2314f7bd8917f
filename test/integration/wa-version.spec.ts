/**
 * WaVersionService against a real local HTTP server playing WA_VERSION_URL: the periodic read
 * (WA_VERSION_REFRESH_MS) picks up a new version; a failing source keeps the version in use (the
 * bundled one at first); after 405s one read serves many sessions; with the read off nothing is fetched.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CONNECTION_CONFIG } from '@whiskeysockets/baileys';
import { createRootLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { WaVersionService } from '../../src/whatsapp/wa-version.js';
import { Recording } from '../support/waitable.js';

describe('WaVersionService', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; revision: number } = { status: 200, revision: 1031000100 };
  const requests = new Recording<number>();
  const services: WaVersionService[] = [];

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests.push(Date.now());
      res.statusCode = answer.status;
      res.end(answer.status === 200 ? `{"client_revision":${answer.revision}}` : 'busy');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sw.js`;
  });
  afterAll(async () => {
    for (const s of services) s.onApplicationShutdown();
    await new Promise((resolve) => server.close(resolve));
  });

  function make(env: Record<string, string>): { service: WaVersionService; metrics: MetricsService } {
    const metrics = new MetricsService();
    const service = new WaVersionService(loadConfig({ WA_VERSION_URL: url, ...env }), createRootLogger('silent'), metrics);
    services.push(service);
    return { service, metrics };
  }

  const bundled = (DEFAULT_CONNECTION_CONFIG.version as number[]).join('.');

  it('keeps the bundled version when the source fails, then takes the new one at the periodic read', async () => {
    answer = { status: 503, revision: 0 };
    const { service, metrics } = make({ WA_FETCH_LATEST_VERSION: 'true', WA_VERSION_REFRESH_MS: '1000' });
    const seen = requests.items.length;
    service.onModuleInit();
    expect((await service.ready()).join('.')).toBe(bundled);
    expect(service.current).toMatchObject({ source: 'bundled', fetchedAt: null, lastError: 'the version source answered 503' });
    expect(await metrics.registry.getSingleMetricAsString('wa_web_version_info')).toContain(`{version="${bundled}",source="bundled"} 1`);

    answer = { status: 200, revision: 1031000200 };
    await requests.next(() => requests.items.length >= seen + 2, 'the periodic read', 5000);
    // The periodic read is still in flight here (the server has not answered yet): this joins it.
    await service.refresh('periodic');
    expect(requests.items.length).toBe(seen + 2);
    expect(service.current).toMatchObject({ version: [2, 3000, 1031000200], source: 'fetched', lastError: null });
    expect(await metrics.registry.getSingleMetricAsString('wa_web_version_info')).toContain('{version="2.3000.1031000200",source="fetched"} 1');
  });

  it('after a 405 reads again once for many sessions, and says whether there is a newer version than the refused one', async () => {
    answer = { status: 200, revision: 1031000300 };
    const { service } = make({ WA_FETCH_LATEST_VERSION: 'true' });
    service.onModuleInit();
    await service.ready();
    const seen = requests.items.length;
    // WhatsApp moved on, but the source still announces the refused version: no newer one.
    expect(await service.afterRejection('2.3000.1031000300')).toBe(false);
    expect(requests.items.length).toBe(seen + 1);
    // Another session refused within 10 s: the read just made stands, none is made.
    answer = { status: 200, revision: 1031000400 };
    expect(await service.afterRejection('2.3000.1031000300')).toBe(false);
    expect(requests.items.length).toBe(seen + 1);
    // A session that announced an older version than the one now in use reconnects without a read.
    expect(await service.afterRejection('2.3000.1031000100')).toBe(true);
    expect(requests.items.length).toBe(seen + 1);
  });

  it('reads nothing when off (the sandbox default), and WA_VERSION is the configured fallback', async () => {
    const seen = requests.items.length;
    const { service } = make({ WA_SANDBOX: 'true', WA_VERSION: '2.3000.1020' });
    service.onModuleInit();
    expect(service.enabled).toBe(false);
    expect(await service.refresh('after-405')).toBe(false);
    expect(await service.afterRejection('2.3000.1020')).toBe(false);
    expect(service.current).toMatchObject({ version: [2, 3000, 1020], source: 'configured' });
    expect(requests.items.length).toBe(seen);
  });
});
