/**
 * Webhook subscriptions end to end: the app on PostgreSQL, events committed through DomainEvents
 * transactions, and a real HTTP receiver on 127.0.0.1 (hence ALLOW_PRIVATE_URLS=true here; the
 * guard has its own spec) with one endpoint per subscription: fast, all events, slow, failing
 * once, gone (410).
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DomainEvents } from '../../src/events/domain-events.js';
import { adminHeaders, TEST_ADMIN_ENV } from '../support/admin-auth.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { CallbackReceiver, waitUntil, type ReceivedCallback } from '../support/callback-receiver.js';
import { connectAuthenticated } from '../support/realtime-harness.js';
import { newUser, nextEvent, type TestUser } from '../support/sessions-harness.js';
import { emitEdit, emitUpsert, tagOf } from '../support/subscription-events.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SLOW_MS = 400;

describe('webhook subscriptions', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  let events: DomainEvents;
  let alice: TestUser;
  let bob: TestUser;
  const subs: Record<string, { id: string; secret: string }> = {};
  const S1 = randomUUID();
  const S2 = randomUUID();
  const flakyFailed = new Set<string>();

  const at = (path: string): ReceivedCallback[] => receiver.requests.filter((r) => r.path === path);
  const okAt = (path: string): ReceivedCallback[] => at(path).filter((r) => r.status === 200);
  const bySession = (list: ReceivedCallback[], sessionId: string): string[] => list.filter((r) => r.body.sessionId === sessionId).map((r) => tagOf(r.body));

  async function subscribe(user: TestUser, name: string, body: Json): Promise<void> {
    const res = await call(t, 'POST', '/webhooks', { token: user.token, body: { url: `${receiver.url}/${name}`, ...body } });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_/);
    subs[name] = { id: res.body.id, secret: res.body.secret };
  }

  function verifies(r: ReceivedCallback, secret: string): boolean {
    try {
      new Webhook(secret).verify(r.raw, r.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }

  beforeAll(async () => {
    receiver = await CallbackReceiver.start();
    receiver.behaviour = (cb) => {
      if (cb.path === '/slow') return { status: 200, delayMs: SLOW_MS };
      if (cb.path === '/gone') return { status: 410 };
      if (cb.path === '/flaky') {
        const id = String(cb.headers['webhook-id']);
        if (!flakyFailed.has(id)) {
          flakyFailed.add(id);
          return { status: 500 };
        }
      }
      return { status: 200 };
    };
    t = await startTestApp({ env: { ...TEST_ADMIN_ENV, ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL_MS: '50' } });
    events = t.app.get(DomainEvents);
    alice = await newUser(t);
    bob = await newUser(t);
  });

  afterAll(async () => {
    await t.close({ drop: true });
    await receiver.close();
  });

  it('creates subscriptions and shows the secret only once', async () => {
    await subscribe(alice, 'fast', { events: ['session.messages.upsert'], sessionIds: [S1], headers: { 'X-Crm-Token': 'crm-123' }, description: 'CRM' });
    await subscribe(alice, 'all', { events: ['*'] });
    await subscribe(alice, 'slow', { events: ['session.messages.upsert'] });
    await subscribe(alice, 'flaky', { events: ['session.messages.edit'] });
    await subscribe(alice, 'gone', { events: ['session.messages.edit'], sessionIds: [S2] });

    const one = await call(t, 'GET', `/webhooks/${subs.fast.id}`, { token: alice.token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: subs.fast.id, events: ['session.messages.upsert'], sessionIds: [S1], headers: { 'X-Crm-Token': 'crm-123' }, enabled: true, scope: 'tenant' });
    expect(one.body.secret).toBeUndefined();
    const list = await call(t, 'GET', '/webhooks', { token: alice.token });
    expect(list.body.data.map((w: Json) => w.id).sort()).toEqual(Object.values(subs).map((s) => s.id).sort());
    expect(list.body.data.every((w: Json) => w.secret === undefined)).toBe(true);
  });

  it('delivers each subscription exactly its events, in order per session, signed with its secret; slow and failing ones delay no other', async () => {
    const disabled = nextEvent(t, 'webhook.disabled', (e) => e.payload.webhookId === subs.gone.id);
    const aliceSocket = await connectAuthenticated(t, alice.token);
    const bobSocket = await connectAuthenticated(t, bob.token);
    // Another tenant's events never reach alice's subscriptions.
    await emitUpsert(events, bob.tenantId, S1, 'bob-1');
    for (let i = 1; i <= 5; i++) {
      await emitUpsert(events, alice.tenantId, S1, `s1-${i}`);
      await emitUpsert(events, alice.tenantId, S2, `s2-${i}`);
    }
    for (let i = 1; i <= 3; i++) {
      await emitEdit(events, alice.tenantId, S1, `e1-${i}`);
      await emitEdit(events, alice.tenantId, S2, `e2-${i}`);
    }

    await receiver.waitFor(() => okAt('/fast').length >= 5 && okAt('/all').length >= 16 && okAt('/flaky').length >= 6 && okAt('/slow').length >= 10, 30_000);
    const upserts = (s: string) => [1, 2, 3, 4, 5].map((i) => `${s}-${i}`);
    const edits = (s: string) => [1, 2, 3].map((i) => `${s}-${i}`);

    // Filters: fast = upserts of S1 only; slow = all upserts; flaky = all edits; all = everything.
    expect(bySession(okAt('/fast'), S1)).toEqual(upserts('s1'));
    expect(okAt('/fast')).toHaveLength(5);
    expect(bySession(okAt('/slow'), S1)).toEqual(upserts('s1'));
    expect(bySession(okAt('/slow'), S2)).toEqual(upserts('s2'));
    expect(bySession(okAt('/flaky'), S1)).toEqual(edits('e1'));
    expect(bySession(okAt('/flaky'), S2)).toEqual(edits('e2'));
    expect(bySession(okAt('/all').filter((r) => r.body.type !== 'webhook.disabled'), S1)).toEqual([...upserts('s1'), ...edits('e1')]);
    expect(bySession(okAt('/all').filter((r) => r.body.type !== 'webhook.disabled'), S2)).toEqual([...upserts('s2'), ...edits('e2')]);
    expect(receiver.requests.some((r) => tagOf(r.body) === 'bob-1')).toBe(false);

    // The envelope, the signature with each subscription's own secret, the custom header.
    const first = okAt('/fast')[0];
    expect(first.body).toMatchObject({ type: 'session.messages.upsert', sessionId: S1, payload: { tenantId: alice.tenantId, requestId: 's1-1' } });
    expect(typeof first.body.eventId).toBe('string');
    expect(first.headers['x-crm-token']).toBe('crm-123');
    for (const name of ['fast', 'all', 'slow', 'flaky', 'gone']) {
      expect(at(`/${name}`).length).toBeGreaterThan(0);
      expect(at(`/${name}`).every((r) => verifies(r, subs[name].secret))).toBe(true);
      expect(at(`/${name}`).some((r) => verifies(r, subs[name === 'fast' ? 'all' : 'fast'].secret))).toBe(false);
    }

    // The failing one was retried with the same webhook-id: a 500 then a 200 for each edit.
    for (const r of okAt('/flaky')) {
      expect(at('/flaky').filter((x) => x.headers['webhook-id'] === r.headers['webhook-id']).map((x) => x.status)).toEqual([500, 200]);
    }
    // The slow one (SLOW_MS per request, 5 in a row per session) did not hold the fast one back.
    const fastDone = Math.max(...okAt('/fast').map((r) => r.at));
    const slowDone = Math.max(...okAt('/slow').map((r) => r.at));
    expect(fastDone).toBeLessThan(slowDone - 2 * SLOW_MS);

    // 410: the first delivery is dead, the subscription disabled, webhook.disabled emitted (and delivered to `all`).
    const event = await disabled;
    expect(event.payload).toMatchObject({ tenantId: alice.tenantId, webhookId: subs.gone.id, reason: 'gone' });
    expect(at('/gone')).toHaveLength(1);
    // ... to the tenant's sockets only.
    const pushed = await aliceSocket.next('webhook.disabled', (e) => e.payload.webhookId === subs.gone.id);
    expect(pushed).toMatchObject({ type: 'webhook.disabled', eventId: event.eventId, payload: { reason: 'gone', url: `${receiver.url}/gone` } });
    expect(bobSocket.all('webhook.disabled')).toEqual([]);
    aliceSocket.close();
    bobSocket.close();
    const gone = await call(t, 'GET', `/webhooks/${subs.gone.id}`, { token: alice.token });
    expect(gone.body).toMatchObject({ enabled: false, disabledReason: 'gone' });
    await receiver.waitFor(() => okAt('/all').some((r) => r.body.type === 'webhook.disabled'));
  });

  it('keeps a delivery log with response codes, and retries a dead delivery on demand', async () => {
    const flaky = await call(t, 'GET', `/webhooks/${subs.flaky.id}/deliveries`, { token: alice.token });
    expect(flaky.status).toBe(200);
    expect(flaky.body.data).toHaveLength(6);
    expect(flaky.body.data.every((d: Json) => d.status === 'delivered' && d.lastStatusCode === 200 && d.attempts === 2)).toBe(true);
    expect(flaky.body.data[0].body.type).toBe('session.messages.edit');

    const page = await call(t, 'GET', `/webhooks/${subs.all.id}/deliveries?limit=5`, { token: alice.token });
    expect(page.body.data).toHaveLength(5);
    const next = await call(t, 'GET', `/webhooks/${subs.all.id}/deliveries?limit=5&cursor=${page.body.nextCursor}`, { token: alice.token });
    expect(next.body.data).toHaveLength(5);
    expect(next.body.data.map((d: Json) => d.id)).not.toContain(page.body.data[4].id);

    const dead = await call(t, 'GET', `/webhooks/${subs.gone.id}/deliveries?status=dead`, { token: alice.token });
    expect(dead.body.data).toHaveLength(1);
    expect(dead.body.data[0]).toMatchObject({ lastStatusCode: 410, attempts: 1 });
    const deliveryId = dead.body.data[0].id;
    const delivered = await call(t, 'POST', `/webhooks/${subs.flaky.id}/deliveries/${flaky.body.data[0].id}/retry`, { token: alice.token });
    expectErrorShape(delivered, 409, 'CONFLICT');

    // Enabled again and retried: the same webhook-id arrives again (the endpoint is back).
    receiver.behaviour = () => ({ status: 200 });
    expect((await call(t, 'PATCH', `/webhooks/${subs.gone.id}`, { token: alice.token, body: { enabled: true } })).body).toMatchObject({ enabled: true, disabledReason: null });
    const retried = await call(t, 'POST', `/webhooks/${subs.gone.id}/deliveries/${deliveryId}/retry`, { token: alice.token });
    expect(retried.status).toBe(200);
    const firstId = at('/gone')[0].headers['webhook-id'];
    await receiver.waitFor(() => okAt('/gone').some((r) => r.headers['webhook-id'] === firstId));
    expect(deliveryId).toBe(firstId);
  });

  it('sends a test delivery, and signs with the new secret after a rotation', async () => {
    const rotated = await call(t, 'POST', `/webhooks/${subs.fast.id}/rotate-secret`, { token: alice.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(subs.fast.secret);
    const test = await call(t, 'POST', `/webhooks/${subs.fast.id}/test`, { token: alice.token });
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ event: 'webhook.test', webhookId: subs.fast.id });
    await receiver.waitFor(() => okAt('/fast').some((r) => r.body.type === 'webhook.test'));
    const got = okAt('/fast').find((r) => r.body.type === 'webhook.test')!;
    expect(got.headers['webhook-id']).toBe(test.body.id);
    expect(verifies(got, rotated.body.secret)).toBe(true);
    expect(verifies(got, subs.fast.secret)).toBe(false);
  });

  it('follows no redirect: a 3xx is a failed attempt, retried later', async () => {
    const S3 = randomUUID();
    receiver.behaviour = (cb) => (cb.path === '/redirect' ? { status: 302, headers: { location: `${receiver.url}/target` } } : { status: 200 });
    await subscribe(alice, 'redirect', { events: ['session.messages.edit'], sessionIds: [S3] });
    await emitEdit(events, alice.tenantId, S3, 'r-1');
    await receiver.waitFor(() => at('/redirect').length >= 1);
    let log: Json;
    await waitUntil(async () => {
      log = (await call(t, 'GET', `/webhooks/${subs.redirect.id}/deliveries`, { token: alice.token })).body.data[0];
      return log?.attempts >= 1;
    }, 10_000, 'the attempt recorded');
    expect(log.lastStatusCode).toBe(302);
    expect(['pending', 'delivering']).toContain(log.status);
    expect(at('/target')).toHaveLength(0);
    expect((await call(t, 'DELETE', `/webhooks/${subs.redirect.id}`, { token: alice.token })).status).toBe(204);
  });

  it('delivers events published without a transaction (presence) too', async () => {
    events.publish('session.presence.update', S1, {
      tenantId: alice.tenantId, chatJid: '5491122334455@s.whatsapp.net', updatesCount: 1,
      updates: [{ jid: '5491122334455@s.whatsapp.net', presence: 'composing', lastSeen: null }],
    });
    await receiver.waitFor(() => okAt('/all').some((r) => r.body.type === 'session.presence.update'));
    const got = okAt('/all').find((r) => r.body.type === 'session.presence.update')!;
    expect(got.body).toMatchObject({ sessionId: S1, payload: { tenantId: alice.tenantId, updates: [{ presence: 'composing' }] } });
    expect(verifies(got, subs.all.secret)).toBe(true);
    expect(okAt('/fast').some((r) => r.body.type === 'session.presence.update')).toBe(false);
  });

  it("hides a tenant's subscriptions from another tenant (404) and keeps platform-wide ones for admins", async () => {
    const id = subs.fast.id;
    expectErrorShape(await call(t, 'GET', `/webhooks/${id}`, { token: bob.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'PATCH', `/webhooks/${id}`, { token: bob.token, body: { enabled: false } }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'DELETE', `/webhooks/${id}`, { token: bob.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'POST', `/webhooks/${id}/test`, { token: bob.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'POST', `/webhooks/${id}/rotate-secret`, { token: bob.token }), 404, 'NOT_FOUND');
    expectErrorShape(await call(t, 'GET', `/webhooks/${id}/deliveries`, { token: bob.token }), 404, 'NOT_FOUND');
    expect((await call(t, 'GET', '/webhooks', { token: bob.token })).body.data).toEqual([]);
    const platform = await call(t, 'POST', '/webhooks', { token: bob.token, body: { url: `${receiver.url}/p`, events: ['*'], scope: 'platform' } });
    expectErrorShape(platform, 403, 'FORBIDDEN');
    expect((await call(t, 'GET', `/webhooks/${id}`, { token: alice.token })).status).toBe(200);

    // An admin's platform-wide subscription gets every tenant's events; tenants do not see it.
    const admin = await adminHeaders(t.baseUrl);
    const wide = await call(t, 'POST', '/webhooks', { headers: admin, body: { url: `${receiver.url}/platform`, events: ['session.messages.upsert'], scope: 'platform' } });
    expect(wide.status).toBe(201);
    expect(wide.body.scope).toBe('platform');
    expectErrorShape(await call(t, 'GET', `/webhooks/${wide.body.id}`, { token: alice.token }), 404, 'NOT_FOUND');
    expect((await call(t, 'GET', '/webhooks', { headers: admin })).body.data.map((w: Json) => w.id)).toContain(wide.body.id);
    await emitUpsert(events, bob.tenantId, S2, 'bob-2');
    await emitUpsert(events, alice.tenantId, S2, 'alice-2');
    await receiver.waitFor(() => okAt('/platform').length >= 2);
    expect(okAt('/platform').map((r) => [(r.body.payload as Json).tenantId, tagOf(r.body)])).toEqual([[bob.tenantId, 'bob-2'], [alice.tenantId, 'alice-2']]);
  });

  it('refuses bad input with a 400 in the one error shape', async () => {
    const post = (body: Json) => call(t, 'POST', '/webhooks', { token: alice.token, body });
    const url = `${receiver.url}/x`;
    const unknown = await post({ url, events: ['session.messages.upsert', 'message.nope'] });
    expectErrorShape(unknown, 400, 'VALIDATION_ERROR');
    expect(unknown.body.error.message).toContain('message.nope');
    expect(unknown.body.error.details[0].validEvents).toContain('session.messages.upsert');
    expectErrorShape(await post({ url: 'ftp://example.com/x', events: ['*'] }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url: 'not a url', events: ['*'] }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url: `${url}\u0000`, events: ['*'] }), 400);
    expectErrorShape(await post({ url, events: [] }), 400, 'VALIDATION_ERROR');
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`x-h${i}`, 'v']));
    expectErrorShape(await post({ url, events: ['*'], headers: many }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url, events: ['*'], headers: { host: 'evil.example' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url, events: ['*'], headers: { 'Webhook-Signature': 'v1,x' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url, events: ['*'], headers: { 'x-a': 'line\r\nbreak' } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url, events: ['*'], headers: { 'x-a': 5 } }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url, events: ['*'], sessionIds: ['not-a-uuid'] }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await call(t, 'POST', '/webhooks', { token: alice.token, rawBody: `{"url":"${url}","events":["*"],"description":"\\ud800"}` }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await post({ url: `\uFEFF${url}`, events: ['*'] }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await call(t, 'GET', '/webhooks/not-a-uuid', { token: alice.token }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await call(t, 'GET', `/webhooks/${subs.all.id}/deliveries?cursor=WyJ4IiwieSJd`, { token: alice.token }), 400, 'INVALID_CURSOR');
    expectErrorShape(await call(t, 'GET', `/webhooks/${subs.all.id}/deliveries?status=lost`, { token: alice.token }), 400, 'VALIDATION_ERROR');
    expectErrorShape(await call(t, 'PATCH', `/webhooks/${subs.all.id}`, { token: alice.token, body: { events: ['*', 'session.created'] } }), 400, 'VALIDATION_ERROR');
    // Odd but well-formed text (NUL, BOM) in the description is kept as given.
    const odd = await post({ url, events: ['*'], description: '\uFEFFCRM\u0000 inbox' });
    expect(odd.status).toBe(201);
    expect((await call(t, 'GET', `/webhooks/${odd.body.id}`, { token: alice.token })).body.description).toBe('\uFEFFCRM\u0000 inbox');
    expect((await call(t, 'DELETE', `/webhooks/${subs.slow.id}`, { token: alice.token })).status).toBe(204);
    expectErrorShape(await call(t, 'GET', `/webhooks/${subs.slow.id}`, { token: alice.token }), 404, 'NOT_FOUND');
  });
});
