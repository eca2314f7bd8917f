/**
 * The sandbox group endpoints end to end: the app in sandbox mode, a real Baileys session on the
 * in-process simulator, a real HTTP client. That the session decrypted a member's sender-key
 * message is seen in its own receipt to the group; tenancy and bad input in the error shape.
 */
import { randomBytes } from 'node:crypto';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('sandbox group endpoints', () => {
  let t: TestApp;
  let alice: TestUser;
  let mallory: TestUser;
  let session: { id: string; phone: string };
  const [owner, bob, carol, dave] = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
  let jid: string;

  const sim = () => t.app.get(SandboxService).simulator;
  const groups = (method: string, path: string, body?: unknown, token = alice.token) => call(t, method, `/sandbox/groups${path}`, { token, body });

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    [alice, mallory] = [await newUser(t), await newUser(t)];
    session = await linkSandboxSession(t, alice.token);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('a contact creates a group with the session; a member writes with sender keys and the session decrypts it', async () => {
    const created = await groups('POST', '', { owner, subject: 'Asado', participants: [session.phone, bob, carol] });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ success: true, jid: expect.stringMatching(/^120363\d+@g\.us$/), inviteCode: expect.any(String), subject: 'Asado' });
    jid = created.body.jid;
    expect(created.body.participants).toEqual(expect.arrayContaining([{ phone: owner, role: 'superadmin' }, { phone: session.phone, role: null }]));

    // The session's delivery receipt to the group: it decrypted the SKDM and the skmsg.
    const decrypted = sim().waitFor('receipt', (r) => r.phoneNumber === session.phone && r.to === jid && ['', 'inactive'].includes(r.type));
    const sent = await groups('POST', `/${jid}/messages`, { from: owner, text: 'hola @todos', mentions: [session.phone] });
    expect(sent.status).toBe(200);
    const id = sent.body.messageId as string;
    expect((await decrypted).messageIds).toEqual([id]);
    const inbox = await groups('GET', `/${encodeURIComponent(jid)}/inbox?member=${owner}`);
    expect(inbox.status).toBe(200);
    expect(inbox.body.receipts).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'delivered', messageIds: [id], by: session.phone })]));
  });

  it('a member sends an image: the session receives it as media (session.message.received)', async () => {
    const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.messageType === 'image');
    const data = randomBytes(2048).toString('base64');
    const res = await groups('POST', `/${jid}/messages`, { from: carol, media: { kind: 'image', mimetype: 'image/png', data, caption: 'foto' } });
    expect(res.status).toBe(200);
    expect((await received).payload.messageId).toBe(res.body.messageId);
  });

  it('members, subject and settings: per-participant statuses, admins only where WhatsApp says so', async () => {
    const added = await groups('POST', `/${jid}/participants`, { actor: owner, action: 'add', participants: [dave, bob] });
    expect(added.body).toEqual({ success: true, results: [{ phone: dave, status: '200' }, { phone: bob, status: '409' }] });
    expectErrorShape(await groups('POST', `/${jid}/participants`, { actor: bob, action: 'remove', participants: [carol] }), 403);

    const patched = await groups('PATCH', `/${jid}`, { actor: owner, subject: 'Asado 🔥', announce: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ subject: 'Asado 🔥', announce: true, restrict: false });
    expectErrorShape(await groups('POST', `/${jid}/messages`, { from: bob, text: 'may I?' }), 403);
    const bare = jid.split('@')[0];
    expect((await groups('PATCH', `/${bare}`, { actor: owner, announce: false })).body.announce).toBe(false);
  });

  it("another tenant gets 404 for the group, and may not put alice's session in a group", async () => {
    for (const [method, path, body] of [
      ['GET', `/${jid}/inbox?member=${owner}`, undefined],
      ['POST', `/${jid}/messages`, { from: owner, text: 'x' }],
      ['POST', `/${jid}/participants`, { actor: owner, action: 'add', participants: [uniquePhone()] }],
      ['PATCH', `/${jid}`, { actor: owner, subject: 'mine' }],
    ] as const) {
      expectErrorShape(await groups(method, path, body, mallory.token), 404);
    }
    expectErrorShape(await groups('POST', '', { owner: uniquePhone(), subject: 'x', participants: [session.phone] }, mallory.token), 404);
    expectErrorShape(await groups('POST', '', { owner: uniquePhone(), subject: 'x', participants: [uniquePhone()] }, mallory.token), 400);
  });

  it('bad input to every endpoint is a 400 in the error shape', async () => {
    const bad: [string, string, unknown][] = [
      ['POST', '', { owner, participants: [session.phone] }],
      ['POST', '', { owner, subject: '   ', participants: [session.phone] }],
      ['POST', '', { owner, subject: 'x', participants: session.phone }],
      ['POST', '', { owner, subject: 'x', participants: ['12ab'] }],
      ['POST', '', { owner: session.phone, subject: 'x', participants: [bob] }],
      ['POST', '', { owner, subject: 'lone \ud800', participants: [session.phone] }],
      ['POST', '', { owner, subject: 'x', participants: [session.phone], extra: 1 }],
      ['POST', `/${jid}/messages`, { from: owner }],
      ['POST', `/${jid}/messages`, { from: owner, text: 'x', mentions: 'all' }],
      ['POST', `/${jid}/messages`, { from: session.phone, text: 'x' }],
      ['POST', '/not-a-jid/messages', { from: owner, text: 'x' }],
      ['POST', `/${jid}/participants`, { actor: owner, action: 'ban', participants: [bob] }],
      ['POST', `/${jid}/participants`, { actor: owner, action: 'add', participants: [] }],
      ['PATCH', `/${jid}`, { actor: owner }],
      ['PATCH', `/${jid}`, { actor: owner, announce: 'yes' }],
      ['PATCH', `/${jid}`, { actor: owner, subject: '\ufeff\u0000' + 'x'.repeat(200) }],
      ['GET', `/${jid}/inbox`, undefined],
      ['GET', `/${jid}/inbox?member=abc`, undefined],
    ];
    for (const [method, path, body] of bad) {
      const res = await groups(method, path, body);
      if (res.status !== 400) throw new Error(`${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      expectErrorShape(res, 400);
    }
    expectErrorShape(await groups('GET', `/1203630000000001@g.us/inbox?member=${owner}`), 404);
  });
});
