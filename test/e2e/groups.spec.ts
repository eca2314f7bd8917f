/**
 * The /groups API end to end: the app in sandbox mode, real Baileys sessions on the in-process
 * simulator, a real HTTP client. Groups made by a contact (sandbox) and by the session; the group
 * events after commit; the metadata cache (a group send asks WhatsApp nothing: the simulator counts
 * the `w:g2` IQs); WhatsApp's refusals as 403 NOT_GROUP_ADMIN; tenancy and bad input.
 */
import WebSocket from 'ws';
import { DomainEvents } from '../../src/events/domain-events.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WsRecorder } from '../support/ws-recorder.js';

describe('groups API', () => {
  let t: TestApp;
  let receiver: CallbackReceiver;
  let aliceSocket: RecordingSocket;
  let mallorySocket: RecordingSocket;
  /** Seed 002's plain WebSocket of each tenant. */
  let aliceWs: WsRecorder;
  let malloryWs: WsRecorder;
  let alice: TestUser;
  let mallory: TestUser;
  let session: { id: string; phone: string };
  let other: { id: string; phone: string };
  const [owner, bob, carol, dave] = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
  /** A group a contact made, with alice's session as a plain member. */
  let theirs: string;
  /** A group alice's session made (superadmin). */
  let ours: string;

  const sim = () => t.app.get(SandboxService).simulator;
  const api = (method: string, path: string, body?: unknown, token = alice.token) => call(t, method, path, { token, body });

  beforeAll(async () => {
    receiver = await CallbackReceiver.start({});
    t = await startTestApp({ env: { WA_SANDBOX: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50' } });
    [alice, mallory] = [await newUser(t), await newUser(t)];
    [session, other] = await Promise.all([linkSandboxSession(t, alice.token), linkSandboxSession(t, mallory.token)]);
    [aliceSocket, mallorySocket] = await Promise.all([connectAuthenticated(t, alice.token), connectAuthenticated(t, mallory.token)]);
    const wsUrl = (token: string) => `${t.baseUrl.replace(/^http/, 'ws')}/ws/sessions?accessToken=${encodeURIComponent(token)}`;
    [aliceWs, malloryWs] = [new WsRecorder(new WebSocket(wsUrl(alice.token))), new WsRecorder(new WebSocket(wsUrl(mallory.token)))];
    await Promise.all([aliceWs.next((f) => f.type === 'session.snapshot', "alice's snapshot"), malloryWs.next((f) => f.type === 'session.snapshot', "mallory's snapshot")]);
  });
  afterAll(async () => {
    aliceSocket?.close();
    mallorySocket?.close();
    aliceWs?.ws.close();
    malloryWs?.ws.close();
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it("a contact's group reaches the session: session.groups.upsert, then the list and the read with PN and LID participants", async () => {
    const upserted = nextEvent(t, 'session.groups.upsert', (e) => e.sessionId === session.id && e.payload.groups.some((g) => g.subject === 'Asado'));
    const created = await api('POST', '/sandbox/groups', { owner, subject: 'Asado', participants: [session.phone, bob, carol] });
    expect(created.status).toBe(200);
    theirs = created.body.jid;
    const event = await upserted;
    expect(event.payload).toMatchObject({ tenantId: alice.tenantId, groupsCount: 1 });
    expect(event.payload.groups[0]).toMatchObject({ jid: theirs, iAmAdmin: false, size: 4 });

    const list = await api('GET', '/groups');
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({ jid: theirs, subject: 'Asado', iAmAdmin: false, announce: false, restrict: false, addressingMode: 'lid' })]);
    expect(list.body.data[0].participants).toBeUndefined();

    const read = await api('GET', `/groups/${theirs}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ jid: theirs, subject: 'Asado', size: 4, owner: `${owner}@s.whatsapp.net` });
    expect(read.body.participants).toHaveLength(4);
    expect(read.body.participants).toEqual(expect.arrayContaining([
      { jid: expect.stringMatching(/@lid$/), pnJid: `${owner}@s.whatsapp.net`, lidJid: expect.stringMatching(/@lid$/), phone: owner, admin: 'superadmin' },
      { jid: expect.stringMatching(/@lid$/), pnJid: `${session.phone}@s.whatsapp.net`, lidJid: expect.stringMatching(/@lid$/), phone: session.phone, admin: null },
    ]));
    // The bare digits name the same group.
    expect((await api('GET', `/groups/${theirs.split('@')[0]}?sessionId=${session.id}`)).body.jid).toBe(theirs);
  });

  it("WhatsApp's refusals to a plain member are 403 NOT_GROUP_ADMIN", async () => {
    expectErrorShape(await api('POST', `/groups/${theirs}/participants`, { action: 'add', participants: [dave] }), 403, 'NOT_GROUP_ADMIN');
    expectErrorShape(await api('PATCH', `/groups/${theirs}`, { announce: true }), 403, 'NOT_GROUP_ADMIN');
    expectErrorShape(await api('GET', `/groups/${theirs}/invite`), 403, 'NOT_GROUP_ADMIN');
    expectErrorShape(await api('POST', `/groups/${theirs}/invite/revoke`), 403, 'NOT_GROUP_ADMIN');
  });

  it('the session creates a group, changes it and its participants; every change arrives as an event', async () => {
    const upserted = nextEvent(t, 'session.groups.upsert', (e) => e.sessionId === session.id && e.payload.groups.some((g) => g.subject === 'Equipo'));
    const created = await api('POST', '/groups', { subject: '  Equipo ', participants: [bob, `${carol}@s.whatsapp.net`] });
    expect(created.status).toBe(201);
    ours = created.body.jid;
    expect(created.body).toMatchObject({ jid: expect.stringMatching(/@g\.us$/), subject: 'Equipo', iAmAdmin: true, size: 3 });
    expect(created.body.participants).toEqual(expect.arrayContaining([expect.objectContaining({ phone: session.phone, admin: 'superadmin' }), expect.objectContaining({ phone: bob, admin: null })]));
    expect((await upserted).payload.groups[0]!.jid).toBe(ours);

    const updated = nextEvent(t, 'session.groups.update', (e) => e.sessionId === session.id && e.payload.updates.some((u) => u.jid === ours && u.subject === 'Equipo 🔥'));
    const patched = await api('PATCH', `/groups/${ours}`, { subject: 'Equipo 🔥', description: 'Los martes', announce: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ subject: 'Equipo 🔥', description: 'Los martes', announce: true, restrict: false });
    expect((await updated).payload).toMatchObject({ tenantId: alice.tenantId, updates: [expect.objectContaining({ jid: ours, at: expect.any(String) })] });

    const added = nextEvent(t, 'session.groups.participants', (e) => e.sessionId === session.id && e.payload.groupJid === ours && e.payload.action === 'add');
    const res = await api('POST', `/groups/${ours}/participants`, { action: 'add', participants: [dave, bob] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([{ jid: expect.any(String), phone: dave, status: 200 }, { jid: expect.any(String), phone: bob, status: 409 }]);
    expect((await added).payload.participants).toEqual([expect.objectContaining({ phone: dave, admin: null })]);

    const promoted = await api('POST', `/groups/${ours}/participants`, { action: 'promote', participants: [carol] });
    expect(promoted.body.data).toEqual([expect.objectContaining({ phone: carol, status: 200 })]);
    const read = await api('GET', `/groups/${ours}`);
    expect(read.body.participants).toEqual(expect.arrayContaining([expect.objectContaining({ phone: carol, admin: 'admin' }), expect.objectContaining({ phone: dave, admin: null })]));
    expect(read.body.size).toBe(4);

    // The same three events reach the tenant's sockets (Socket.io and /ws/sessions) in the seed 002 envelope, and no other tenant's.
    for (const [type, match] of [
      ['session.groups.upsert', (d: { payload: { groups: Array<{ jid: string }> } }) => d.payload.groups.some((g) => g.jid === ours)],
      ['session.groups.update', (d: { payload: { updates: Array<{ jid: string }> } }) => d.payload.updates.some((u) => u.jid === ours)],
      ['session.groups.participants', (d: { payload: { groupJid: string } }) => d.payload.groupJid === ours],
    ] as const) {
      const got = await aliceSocket.next(type, match as (d: unknown) => boolean);
      expect(got).toMatchObject({ type, sessionId: session.id, eventId: expect.any(String), occurredOn: expect.any(String) });
      const frame = await aliceWs.next((f) => f.type === type && (match as (d: unknown) => boolean)(f), `${type} on /ws/sessions`);
      expect(frame).toMatchObject({ type, sessionId: session.id, eventId: got.eventId, occurredOn: expect.any(String), payload: { tenantId: alice.tenantId } });
    }
    expect(mallorySocket.received.filter((r) => r.event.startsWith('session.groups.'))).toEqual([]);
    expect(malloryWs.frames.filter((f) => String(f.type).startsWith('session.groups.'))).toEqual([]);
  });

  it('a group send reads the cached metadata (no w:g2 IQ), and a member added later gets it', async () => {
    const iqs: string[] = [];
    const onIq = (e: { phoneNumber: string | null; query: string }) => {
      if (e.phoneNumber === session.phone) iqs.push(e.query);
    };
    const off = sim().on('groupIq', onIq);
    try {
      const decrypted = sim().waitFor('groupMessage', (m) => m.group === ours && m.decryptedBy.includes(dave));
      const sent = await api('POST', `/chats/${ours}/messages`, { content: 'hola equipo' });
      expect(sent.status).toBe(201);
      const got = await decrypted;
      expect(got.decryptedBy).toEqual(expect.arrayContaining([bob, carol, dave]));
      expect(iqs).toEqual([]);
    } finally {
      off();
    }
  });

  it("a member's group message: sender and mentions stored and read, the chat named by the subject, the seed 001 callback with the group", async () => {
    const upsert = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.chatJid === theirs));
    const sent = await api('POST', `/sandbox/groups/${theirs}/messages`, { from: owner, text: 'hola @alice', mentions: [session.phone] });
    expect(sent.status).toBe(200);
    const id = sent.body.messageId as string;
    const summary = (await upsert).payload.messages.find((m) => m.id === id);
    expect(summary).toMatchObject({ senderPhone: owner, mentions: [expect.stringMatching(new RegExp(`^(${session.phone}@s\\.whatsapp\\.net|\\d+@lid)$`))] });

    const page = await api('GET', `/chats/${theirs}/messages`);
    expect(page.status).toBe(200);
    const message = page.body.data.find((m: { id: string }) => m.id === id);
    expect(message).toMatchObject({ chatJid: theirs, fromMe: false, senderJid: expect.stringMatching(/@(lid|s\.whatsapp\.net)$/), senderPhone: owner, text: 'hola @alice' });
    expect(message.mentions).toHaveLength(1);

    const chats = await api('GET', '/chats');
    expect(chats.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ jid: theirs, isGroup: true, name: 'Asado' })]));

    await receiver.waitFor(() => receiver.delivered.some((r) => r.body.message_content === 'hola @alice'), 20_000, 'the group message callback');
    const callback = receiver.delivered.find((r) => r.body.message_content === 'hola @alice')!;
    expect(callback.body).toMatchObject({ session_id: session.id, sender_number: owner, chat_jid: theirs, is_group: true, group_subject: 'Asado', phone_number_session: session.phone });
  });

  it('the session sends with mentions: members decode them, and the read shows them', async () => {
    const decoded = sim().waitFor('groupMessage', (m) => m.group === ours && m.text === 'hola @bob');
    const sent = await api('POST', `/chats/${ours}/messages`, { content: 'hola @bob', mentions: [bob] });
    expect(sent.status).toBe(201);
    expect((await decoded).mentions).toEqual([bob]);
    const page = await api('GET', `/chats/${ours}/messages?limit=5`);
    expect(page.body.data.find((m: { id: string }) => m.id === sent.body.id)).toMatchObject({ fromMe: true, mentions: [`${bob}@s.whatsapp.net`] });
    expectErrorShape(await api('POST', `/chats/${ours}/messages`, { content: 'x', mentions: ['not-a-phone'] }), 400);
    expectErrorShape(await api('POST', `/chats/${ours}/messages`, { content: 'x', mentions: bob }), 400);
  });

  it("edits, deletes and reactions in groups reach the members as WhatsApp's", async () => {
    const sent = await api('POST', `/chats/${ours}/messages`, { content: 'tpyo' });
    expect(sent.status).toBe(201);
    const edited = sim().waitFor('groupMessage', (m) => m.group === ours && m.kind === 'edit' && m.edit?.messageId === sent.body.id);
    expect((await api('PATCH', `/chats/${ours}/messages/${sent.body.id}`, { content: 'typo' })).status).toBe(200);
    expect((await edited).edit?.text).toBe('typo');
    const revoked = sim().waitFor('groupMessage', (m) => m.group === ours && m.kind === 'revoke' && m.revoke?.messageId === sent.body.id);
    expect((await api('DELETE', `/chats/${ours}/messages/${sent.body.id}`)).status).toBe(200);
    await revoked;

    const upsert = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.text === 'react to me'));
    const theirMessage = await api('POST', `/sandbox/groups/${theirs}/messages`, { from: carol, text: 'react to me' });
    await upsert;
    const reacted = sim().waitFor('groupMessage', (m) => m.group === theirs && m.kind === 'reaction' && m.reaction?.messageId === theirMessage.body.messageId);
    const res = await api('POST', `/chats/${theirs}/messages/${theirMessage.body.messageId}/reactions`, { emoji: '👍' });
    expect(res.status).toBe(200);
    expect((await reacted).reaction?.emoji).toBe('👍');
  });

  it('receipts per recipient: each group member, and the contact of a 1:1 chat', async () => {
    const readBy = new Set<string>();
    const allRead = new Promise<void>((resolve) => {
      const off = t.app.get(DomainEvents).onCommit('session.messages.update', (e) => {
        for (const u of e.payload.updates) if (e.sessionId === session.id && u.chatJid === ours && u.status === 'read' && u.recipientPhone) readBy.add(`${u.messageId}|${u.recipientPhone}`);
        if ([bob, carol, dave].every((p) => readBy.has(`${sentId}|${p}`))) {
          off();
          resolve();
        }
      });
    });
    const sent = await api('POST', `/chats/${ours}/messages`, { content: 'who read this?' });
    const sentId = sent.body.id as string;
    await allRead;
    const receipts = await api('GET', `/chats/${ours}/messages/${sentId}/receipts`);
    expect(receipts.status).toBe(200);
    expect(receipts.body.data).toHaveLength(3);
    expect(receipts.body.data).toEqual(expect.arrayContaining([bob, carol, dave].map((phone) => ({ jid: expect.any(String), phone, status: 'read', at: expect.any(Number) }))));

    const contact = uniquePhone();
    const read = nextEvent(t, 'session.messages.update', (e) => e.sessionId === session.id && e.payload.updates.some((u) => u.status === 'read' && u.remoteJid.startsWith(contact)));
    const direct = await api('POST', `/chats/${contact}/messages`, { content: 'and you?' });
    expect(direct.status).toBe(201);
    await read;
    const one = await api('GET', `/chats/${contact}/messages/${direct.body.id}/receipts`);
    expect(one.body).toEqual({ data: [{ jid: `${contact}@s.whatsapp.net`, phone: contact, status: 'read', at: expect.any(Number) }] });
    expectErrorShape(await api('GET', `/chats/${contact}/messages/NOPE123/receipts`), 404);
    expectErrorShape(await api('GET', `/chats/${contact}/messages/${direct.body.id}/receipts`, undefined, mallory.token), 404);
  });

  it('invites: the link, its info, a revoke, and another session joining with the new code', async () => {
    const invite = await api('GET', `/groups/${ours}/invite`);
    expect(invite.status).toBe(200);
    expect(invite.body).toEqual({ code: expect.any(String), url: `https://chat.whatsapp.com/${invite.body.code}` });
    const revoked = await api('POST', `/groups/${ours}/invite/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.code).not.toBe(invite.body.code);
    expectErrorShape(await api('GET', `/groups/invites/${invite.body.code}`), 404);
    const info = await api('GET', `/groups/invites/${revoked.body.code}`, undefined, mallory.token);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ jid: ours, subject: 'Equipo 🔥', iAmAdmin: false });

    const joinedEvent = nextEvent(t, 'session.groups.participants', (e) => e.sessionId === session.id && e.payload.groupJid === ours && e.payload.participants.some((p) => p.phone === other.phone));
    const joined = await api('POST', '/groups/join', { code: revoked.body.url }, mallory.token);
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({ jid: ours });
    expect((await joinedEvent).payload.action).toMatch(/^(add|join)$/);
    expect((await api('GET', `/groups/${ours}`, undefined, mallory.token)).body).toMatchObject({ jid: ours, iAmAdmin: false });
  });

  it('leaving: the group is gone from the store and the event says so', async () => {
    const left = nextEvent(t, 'session.groups.participants', (e) => e.sessionId === other.id && e.payload.groupJid === ours && ['leave', 'remove'].includes(e.payload.action));
    const res = await api('POST', `/groups/${ours}/leave`, undefined, mallory.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect((await left).payload.participants).toEqual([expect.objectContaining({ phone: other.phone })]);
    expectErrorShape(await api('GET', `/groups/${ours}`, undefined, mallory.token), 404);
    expect((await api('GET', '/groups', undefined, mallory.token)).body.data).toEqual([]);
  });

  it("another tenant gets 404 for a group it is not in, and for alice's session", async () => {
    for (const [method, path, body] of [
      ['GET', `/groups/${theirs}`, undefined],
      ['PATCH', `/groups/${theirs}`, { subject: 'mine' }],
      ['POST', `/groups/${theirs}/participants`, { action: 'add', participants: [uniquePhone()] }],
      ['POST', `/groups/${theirs}/leave`, undefined],
      ['GET', `/groups/${theirs}/invite`, undefined],
      ['POST', `/groups/${theirs}/invite/revoke`, undefined],
      ['GET', `/groups?sessionId=${session.id}`, undefined],
      ['GET', `/groups/${theirs}?sessionId=${session.id}`, undefined],
      ['POST', `/groups?sessionId=${session.id}`, { subject: 'x', participants: [bob] }],
    ] as const) {
      const res = await api(method, path, body, mallory.token);
      if (res.status !== 404) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      expectErrorShape(res, 404);
    }
  });

  it('bad input is a 400 in the error shape', async () => {
    const bad: [string, string, unknown][] = [
      ['GET', '/groups/not-a-group', undefined],
      ['GET', '/groups/5491123456789@s.whatsapp.net', undefined],
      ['GET', '/groups?cursor=%%%', undefined],
      ['GET', '/groups?limit=0', undefined],
      ['GET', '/groups/invites/%20', undefined],
      ['POST', '/groups', { subject: 'x', participants: [] }],
      ['POST', '/groups', { subject: 'x', participants: ['12ab'] }],
      ['POST', '/groups', { subject: 'x', participants: bob }],
      ['POST', '/groups', { subject: '   ', participants: [bob] }],
      ['POST', '/groups', { subject: '\ufeff\u0000', participants: [bob] }],
      ['POST', '/groups', { subject: 'lone \ud800', participants: [bob] }],
      ['POST', '/groups', { subject: 'x'.repeat(101), participants: [bob] }],
      ['POST', '/groups', { participants: [bob] }],
      ['PATCH', `/groups/${ours}`, {}],
      ['PATCH', `/groups/${ours}`, { announce: 'yes' }],
      ['PATCH', `/groups/${ours}`, { ephemeral: 5 }],
      ['POST', `/groups/${ours}/participants`, { action: 'ban', participants: [bob] }],
      ['POST', `/groups/${ours}/participants`, { action: 'add', participants: [] }],
      ['POST', `/groups/${ours}/participants`, { action: 'add' }],
      ['POST', `/groups/${ours}/participants`, { action: 'add', participants: ['120363000000000001@g.us'] }],
      ['POST', `/groups/${ours}/participants`, { action: 'remove', participants: ['abc@lid'] }],
      ['POST', '/groups', { subject: 'x', participants: ['status@broadcast'] }],
      ['GET', '/groups/12@g.us', undefined],
      ['GET', '/groups/120363041234567890@g.us.evil', undefined],
      ['POST', '/groups/join', { code: '' }],
      ['POST', '/groups/join', { code: 'not a code!' }],
    ];
    for (const [method, path, body] of bad) {
      const res = await api(method, path, body);
      if (res.status !== 400) throw new Error(`${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      expectErrorShape(res, 400);
    }
  });
});
