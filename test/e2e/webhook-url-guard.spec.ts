/**
 * The private-URL guard of webhook subscriptions, on the embedded database (PGlite) and without
 * ALLOW_PRIVATE_URLS: loopback, private, link-local and metadata URLs are refused at creation and
 * on update (a name the machine resolves to 127.0.0.1, `localhost`, too), and again at delivery: a
 * subscription whose URL points inside by the time it is delivered gets no request.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../../src/events/domain-events.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { CallbackReceiver, waitUntil } from '../support/callback-receiver.js';
import { newUser, nextEvent, type TestUser } from '../support/sessions-harness.js';
import { emitUpsert } from '../support/subscription-events.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('webhook subscriptions: the private-URL guard', () => {
  let t: TestApp;
  let receiver: CallbackReceiver;
  let user: TestUser;

  beforeAll(async () => {
    receiver = await CallbackReceiver.start();
    // Failing for 2 s is enough to be disabled here (72 h by default).
    t = await startTestApp({ embedded: true, env: { WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_DISABLE_AFTER_HOURS: '0.00055' } });
    user = await newUser(t);
  });

  afterAll(async () => {
    await t.close({ drop: true });
    await receiver.close();
  });

  it.each([
    'http://127.0.0.1:{port}/hook',
    'http://localhost:{port}/hook',
    'http://[::1]:{port}/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.1.2.3/hook',
    'http://192.168.0.10/hook',
    'http://[fd00:ec2::254]/hook',
    'http://0.0.0.0:{port}/hook',
    'http://[::ffff:127.0.0.1]:{port}/hook',
  ])('refuses %s with 400 URL_NOT_ALLOWED', async (template) => {
    const url = template.replace('{port}', new URL(receiver.url).port);
    const res = await call(t, 'POST', '/webhooks', { token: user.token, body: { url, events: ['*'] } });
    expectErrorShape(res, 400, 'URL_NOT_ALLOWED');
  });

  it('accepts a public address, refuses a private one on update, sends nothing to an URL that points inside at delivery, and disables it after failing long enough', async () => {
    const created = await call(t, 'POST', '/webhooks', { token: user.token, body: { url: 'https://203.0.113.10/hook', events: ['session.messages.upsert'] } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expectErrorShape(await call(t, 'PATCH', `/webhooks/${id}`, { token: user.token, body: { url: `${receiver.url}/hook` } }), 400, 'URL_NOT_ALLOWED');

    // As if its name had been re-pointed at this machine after it was checked.
    const disabled = nextEvent(t, 'webhook.disabled', (e) => e.payload.webhookId === id);
    await t.app.get(DataSource).query('UPDATE webhook_subscriptions SET url = $1 WHERE id = $2', [`http://localhost:${new URL(receiver.url).port}/hook`, id]);
    await emitUpsert(t.app.get(DomainEvents), user.tenantId, randomUUID(), 'inside-1');
    let log: { lastError: string | null; attempts: number } | undefined;
    await waitUntil(async () => {
      log = (await call(t, 'GET', `/webhooks/${id}/deliveries`, { token: user.token })).body.data[0];
      return (log?.attempts ?? 0) >= 1;
    }, 10_000, 'a refused attempt');
    expect(log?.lastError).toContain('URL_NOT_ALLOWED');
    expect(receiver.requests).toHaveLength(0);

    // Failing since that first attempt: disabled after WEBHOOK_DISABLE_AFTER_HOURS, the tenant told.
    const event = await disabled;
    expect(event.payload).toMatchObject({ tenantId: user.tenantId, webhookId: id, reason: 'failing' });
    expect(typeof event.payload.failingSince).toBe('string');
    expect((await call(t, 'GET', `/webhooks/${id}`, { token: user.token })).body).toMatchObject({ enabled: false, disabledReason: 'failing' });

    // Per-subscription metrics.
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`webhook_subscription_deliveries_total\\{webhook_id="${id}",outcome="retry"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`webhook_subscription_queue_depth\\{webhook_id="${id}"\\} 1`));
    expect(metrics).toContain(`webhook_subscription_oldest_pending_age_seconds{webhook_id="${id}"}`);
  });
});
