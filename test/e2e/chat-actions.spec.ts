/**
 * Chat actions end to end on the simulator: PATCH /chats/:jid and DELETE /chats/:jid become app-state
 * patches the account's phone records, the store follows and `session.chats.update` announces it;
 * changes made on the phone reach the API the same way; presence subscriptions answer.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('chat actions: archive, pin, mute, unread, delete, presence subscribe', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let session: { id: string; phone: string };
  const contact = uniquePhone();
  const other = uniquePhone();
  const jidOf = (phone: string): string => `${phone}@s.whatsapp.net`;

  const sim = () => t.app.get(SandboxService).simulator;
  const sessionMutation = (index0: string) => sim().waitFor('appState', (m) => m.phoneNumber === session.phone && m.source === 'session' && m.index[0] === index0);
  const chatOf = async (jid: string) => ((await call(t, 'GET', '/chats', { token: alice.token })).body.data as Array<{ jid: string; pinned?: boolean; unreadCount?: number }>).find((c) => c.jid === jid);

  async function writes(from: string, text: string): Promise<void> {
    const received = nextEvent(t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.text === text);
    expect((await call(t, 'POST', `/sandbox/contacts/${from}/messages`, { token: alice.token, body: { to: session.phone, text } })).status).toBe(200);
    await received;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    bob = await newUser(t);
    session = await linkSandboxSession(t, alice.token);
    await writes(contact, 'hello');
    await writes(other, 'hi there');
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('archives, pins and mutes a chat on WhatsApp and here, announced as session.chats.update', async () => {
    const until = '2031-01-01T00:00:00Z';
    const patched = Promise.all([sessionMutation('archive'), sessionMutation('pin_v1'), sessionMutation('mute')]);
    // The API's event names what it changed in our store; WhatsApp's echo of our own patches may be
    // applied first (source "event"), so together they announce the three changes.
    const announcedState: Record<string, unknown> = {};
    const announced = nextEvent(t, 'session.chats.update', (e) => {
      if (e.sessionId !== session.id) return false;
      for (const u of e.payload.updates) if (u.jid === jidOf(contact)) Object.assign(announcedState, u);
      return announcedState.archived === true && announcedState.pinned === true && announcedState.mutedUntil !== undefined;
    });
    const res = await call(t, 'PATCH', `/chats/${contact}`, { token: alice.token, body: { archived: true, pinned: true, mutedUntil: until } });
    expect(res.status).toBe(200);
    const mutedUntil = Date.parse(until) / 1000;
    expect(res.body).toMatchObject({ jid: jidOf(contact), archived: true, pinned: true, mutedUntil, lastMessage: { text: 'hello' } });
    const [archive, pin, mute] = await patched;
    expect(archive.value).toMatchObject({ archiveChatAction: { archived: true } });
    expect(pin.value).toMatchObject({ pinAction: { pinned: true } });
    expect(mute.value).toMatchObject({ muteAction: { muted: true } });
    expect((await announced).payload.tenantId).toBe(alice.tenantId);
    expect(announcedState).toEqual({ jid: jidOf(contact), archived: true, pinned: true, mutedUntil });
    expect(await chatOf(jidOf(contact))).toMatchObject({ archived: true, pinned: true, mutedUntil });
  });

  it('marks a chat unread and read again', async () => {
    const marked = sessionMutation('markChatAsRead');
    const res = await call(t, 'PATCH', `/chats/${jidOf(other)}`, { token: alice.token, body: { unread: true } });
    expect(res.body).toMatchObject({ jid: jidOf(other), unreadCount: expect.any(Number) });
    expect(res.body.unreadCount).toBeGreaterThan(0);
    expect((await marked).value).toMatchObject({ markChatAsReadAction: { read: false } });
    const markedRead = sessionMutation('markChatAsRead');
    const read = await call(t, 'PATCH', `/chats/${other}`, { token: alice.token, body: { unread: false } });
    expect(read.body.unreadCount).toBe(0);
    expect((await markedRead).value).toMatchObject({ markChatAsReadAction: { read: true } });
  });

  it("the phone's changes reach the store and the API as session.chats.update", async () => {
    const fromPhone = (match: (u: { jid: string; archived?: boolean; mutedUntil?: number | null }) => boolean) =>
      nextEvent(t, 'session.chats.update', (e) => e.sessionId === session.id && e.payload.source === 'event' && e.payload.updates.some((u) => u.jid === jidOf(contact) && match(u)));
    const unarchived = fromPhone((u) => u.archived === false);
    const unmuted = fromPhone((u) => u.mutedUntil === null);
    const res = await call(t, 'POST', `/sandbox/phones/${session.phone}/app-state`, {
      token: alice.token, body: { archive: [{ phoneNumber: contact, archived: false }], mute: [{ phoneNumber: contact, muted: false }] },
    });
    expect(res.status).toBe(200);
    await Promise.all([unarchived, unmuted]);
    expect(await chatOf(jidOf(contact))).toMatchObject({ archived: false, pinned: true, mutedUntil: null });
  });

  it('the phone pins and marks unread; the API unpins and unmutes: each side sees the other', async () => {
    // `other` was read in the test before: the phone's "unread" changes it (the two may come in one batch or two).
    const seen: { pinned?: boolean; unreadCount?: number } = {};
    const announced = nextEvent(t, 'session.chats.update', (e) => {
      if (e.sessionId !== session.id || e.payload.source !== 'event') return false;
      for (const u of e.payload.updates) if (u.jid === jidOf(other)) Object.assign(seen, u);
      return seen.pinned === true && (seen.unreadCount ?? 0) > 0;
    });
    const res = await call(t, 'POST', `/sandbox/phones/${session.phone}/app-state`, {
      token: alice.token, body: { pin: [{ phoneNumber: other, pinned: true }], markRead: [{ phoneNumber: other, read: false }] },
    });
    expect(res.status).toBe(200);
    await announced;
    const stored = await chatOf(jidOf(other));
    expect(stored?.pinned).toBe(true);
    expect(stored?.unreadCount).toBeGreaterThan(0);

    const unpinned = sessionMutation('pin_v1');
    const unmuted = sessionMutation('mute');
    const patched = await call(t, 'PATCH', `/chats/${other}`, { token: alice.token, body: { pinned: false, mutedUntil: null } });
    expect(patched.body).toMatchObject({ jid: jidOf(other), pinned: false, mutedUntil: null });
    expect((await unpinned).value).toMatchObject({ pinAction: { pinned: false } });
    expect((await unmuted).value).toMatchObject({ muteAction: { muted: false } });
  });

  it('deletes a chat on WhatsApp and here; a chat the phone deletes goes too', async () => {
    const deleted = sessionMutation('deleteChat');
    const announced = nextEvent(t, 'session.chats.update', (e) => e.sessionId === session.id && e.payload.updates.some((u) => u.deleted && u.jid === jidOf(other)));
    expect((await call(t, 'DELETE', `/chats/${other}`, { token: alice.token })).status).toBe(204);
    expect((await deleted).index).toEqual(['deleteChat', jidOf(other), '1']);
    await announced;
    expect(await chatOf(jidOf(other))).toBeUndefined();
    expectErrorShape(await call(t, 'GET', `/chats/${other}/messages`, { token: alice.token }), 404);
    // Writing again opens a new chat.
    await writes(other, 'me again');
    expect(await chatOf(jidOf(other))).toMatchObject({ lastMessage: { text: 'me again' } });

    const byPhone = nextEvent(t, 'session.chats.update', (e) => e.sessionId === session.id && e.payload.source === 'event' && e.payload.updates.some((u) => u.deleted && u.jid === jidOf(other)));
    await call(t, 'POST', `/sandbox/phones/${session.phone}/app-state`, { token: alice.token, body: { deleteChat: [{ phoneNumber: other }] } });
    await byPhone;
    expect(await chatOf(jidOf(other))).toBeUndefined();
  });

  it("subscribes to a contact's presence: it arrives as session.presence.update", async () => {
    await call(t, 'POST', `/sandbox/contacts/${contact}/presence`, { token: alice.token, body: { to: session.phone, presence: 'available' } });
    const subscribed = sim().waitFor('presenceSubscribe', (p) => p.phoneNumber === session.phone);
    const update = nextEvent(t, 'session.presence.update', (e) => e.sessionId === session.id && e.payload.updates.some((u) => u.presence === 'available'));
    expect((await call(t, 'POST', `/chats/${contact}/presence/subscribe`, { token: alice.token })).status).toBe(204);
    await subscribed;
    await update;
  });

  it('bad input is a 4xx in the error shape; another tenant gets 404', async () => {
    expectErrorShape(await call(t, 'PATCH', `/chats/${contact}`, { token: alice.token, body: {} }), 400);
    expectErrorShape(await call(t, 'PATCH', `/chats/${contact}`, { token: alice.token, body: { archived: 'yes' } }), 400);
    expectErrorShape(await call(t, 'PATCH', `/chats/${contact}`, { token: alice.token, body: { mutedUntil: 'tomorrow' } }), 400);
    expectErrorShape(await call(t, 'PATCH', '/chats/not-a-jid', { token: alice.token, body: { pinned: true } }), 400);
    expectErrorShape(await call(t, 'PATCH', '/chats/%ED%A0%80', { token: alice.token, body: { pinned: true } }), 400);
    expectErrorShape(await call(t, 'PATCH', `/chats/${uniquePhone()}`, { token: alice.token, body: { pinned: true } }), 404);
    expectErrorShape(await call(t, 'DELETE', '/chats/bad%00jid', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'POST', '/chats/120363000000000001@g.us/presence/subscribe', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'PATCH', `/chats/${contact}?sessionId=${session.id}`, { token: bob.token, body: { pinned: false } }), 404);
    expectErrorShape(await call(t, 'DELETE', `/chats/${contact}?sessionId=${session.id}`, { token: bob.token }), 404);
    expectErrorShape(await call(t, 'POST', `/chats/${contact}/presence/subscribe?sessionId=${session.id}`, { token: bob.token }), 404);
  });
});
