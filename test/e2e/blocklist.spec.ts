/**
 * Block, unblock and the blocklist end to end on the simulator: the account's blocklist there
 * follows, and a blocked contact's messages no longer reach the session.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('contacts: block, unblock, blocklist', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let session: { id: string; phone: string };
  const spammer = uniquePhone();
  let spammerLid: string;

  const sim = () => t.app.get(SandboxService).simulator;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    bob = await newUser(t);
    session = await linkSandboxSession(t, alice.token);
    const declared = await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body: { phone: spammer, name: 'Spam' } });
    spammerLid = declared.body.lid as string;
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('blocks a contact on WhatsApp: listed there and here, its messages no longer arrive; unblocking undoes it', async () => {
    const blocked = sim().waitFor('blocklist', (b) => b.phoneNumber === session.phone && b.blocklist.includes(spammerLid));
    const res = await call(t, 'POST', `/contacts/${spammer}/block`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jid: `${spammer}@s.whatsapp.net`, blocked: true });
    await blocked;
    expect(sim().blocklistOf(session.phone)).toEqual([spammerLid]);

    const list = await call(t, 'GET', '/contacts/blocklist', { token: alice.token });
    expect(list.body).toEqual({ data: [{ jid: `${spammer}@s.whatsapp.net`, pnJid: `${spammer}@s.whatsapp.net`, lidJid: spammerLid, phone: spammer }] });

    const dropped = sim().waitFor('inboundBlocked', (m) => m.to === session.phone);
    const sent = await call(t, 'POST', `/sandbox/contacts/${spammer}/messages`, { token: alice.token, body: { to: session.phone, text: 'buy now' } });
    expect((await dropped).id).toBe(sent.body.messageId);
    // Its calls do not reach the account either: only the caller hears it ring (then hangs up).
    const callDropped = sim().waitFor('inboundBlocked', (m) => m.to === session.phone && m.from === spammer);
    const rang = await call(t, 'POST', `/sandbox/contacts/${spammer}/calls`, { token: alice.token, body: { to: session.phone, ringSeconds: 60 } });
    expect((await callDropped).id).toBe(rang.body.callId);
    expect(sim().hangUpCall(rang.body.callId as string)).toBe(true);

    const unblocked = sim().waitFor('blocklist', (b) => b.phoneNumber === session.phone && b.blocklist.length === 0);
    expect((await call(t, 'POST', `/contacts/${spammerLid}/unblock`, { token: alice.token })).body).toEqual({ jid: `${spammer}@s.whatsapp.net`, blocked: false });
    await unblocked;
    expect((await call(t, 'GET', '/contacts/blocklist', { token: alice.token })).body).toEqual({ data: [] });
    const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.text === 'sorry');
    await call(t, 'POST', `/sandbox/contacts/${spammer}/messages`, { token: alice.token, body: { to: session.phone, text: 'sorry' } });
    await received;
  });

  it('a block made on the phone reaches the API (the blocklist is read from WhatsApp)', async () => {
    const res = await call(t, 'POST', `/sandbox/phones/${session.phone}/blocklist`, { token: alice.token, body: { contact: spammer, blocked: true } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, blocklist: [spammerLid] });
    expect((await call(t, 'GET', '/contacts/blocklist', { token: alice.token })).body).toEqual({ data: [{ jid: `${spammer}@s.whatsapp.net`, pnJid: `${spammer}@s.whatsapp.net`, lidJid: spammerLid, phone: spammer }] });
    expect((await call(t, 'POST', `/sandbox/phones/${session.phone}/blocklist`, { token: alice.token, body: { contact: spammer, blocked: false } })).body.blocklist).toEqual([]);
    expect((await call(t, 'GET', '/contacts/blocklist', { token: alice.token })).body).toEqual({ data: [] });
    // The sandbox endpoint's own bad input and tenancy.
    expectErrorShape(await call(t, 'POST', `/sandbox/phones/${session.phone}/blocklist`, { token: alice.token, body: { contact: 'x', blocked: true } }), 400);
    expectErrorShape(await call(t, 'POST', `/sandbox/phones/${session.phone}/blocklist`, { token: alice.token, body: { contact: spammer } }), 400);
    expectErrorShape(await call(t, 'POST', `/sandbox/phones/${session.phone}/blocklist`, { token: bob.token, body: { contact: spammer, blocked: true } }), 404);
    expect(sim().blocklistOf(session.phone)).toEqual([]);
  });

  it('bad input is a 4xx in the error shape; another tenant gets 404', async () => {
    expectErrorShape(await call(t, 'POST', '/contacts/not-a-jid/block', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'POST', '/contacts/%ED%A0%80/block', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'POST', '/contacts/120363000000000001@g.us/block', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'POST', '/contacts/999999999999999@lid/block', { token: alice.token }), 422);
    expectErrorShape(await call(t, 'GET', `/contacts/blocklist?sessionId=${session.id}`, { token: bob.token }), 404);
    expectErrorShape(await call(t, 'POST', `/contacts/${spammer}/block?sessionId=${session.id}`, { token: bob.token }), 404);
    expectErrorShape(await call(t, 'POST', `/contacts/${spammer}/unblock?sessionId=${session.id}`, { token: bob.token }), 404);
    expect(sim().blocklistOf(session.phone)).toEqual([]);
    expectErrorShape(await call(t, 'GET', '/contacts/blocklist', { token: bob.token }), 404);
  });
});
