/**
 * Every message kind end to end (sandbox mode: the app's real Baileys session on the in-process
 * simulator, real HTTP, a stand-in main backend for seed 001's callbacks): what contacts send
 * (location, cards, poll, link preview, event) reads back on GET /chats/:jid/messages, in
 * `session.messages.upsert` and in the `messages/received` callback; poll votes are decrypted and
 * aggregated (the latest vote of each voter wins) and announced as `session.messages.poll`.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { CallbackReceiver } from '../support/callback-receiver.js';
import { startTinyproxy } from '../support/proxy-servers.js';
import { awaitStatus, linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RECEIVED = '/api/whatsapp/messages/received';

describe('every message kind: reading and sending', () => {
  let receiver: CallbackReceiver;
  let t: TestApp;
  let user: TestUser;
  let session: { id: string; phone: string };
  const contact = uniquePhone();

  /** The contact sends `body`; resolves with the message as `session.messages.upsert` announced it. */
  async function fromContact(from: string, body: Record<string, unknown>) {
    const upsert = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.remoteJid.startsWith(from)));
    const res = await call(t, 'POST', `/sandbox/contacts/${from}/messages`, { token: user.token, body: { to: session.phone, ...body } });
    expect(res.status).toBe(200);
    const id = res.body.messageId as string;
    const event = await upsert;
    return { id, summary: event.payload.messages.find((m) => m.id === id)! };
  }

  const messagesOf = async (jid: string) => {
    const res = await call(t, 'GET', `/chats/${jid}/messages?limit=50`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body.data as Json[];
  };

  beforeAll(async () => {
    receiver = await CallbackReceiver.start();
    t = await startTestApp({ env: { WA_SANDBOX: 'true', BACKEND_BASE_URL: receiver.url, WEBHOOK_POLL_INTERVAL_MS: '50', ALLOW_PRIVATE_URLS: 'true' } });
    user = await newUser(t);
    session = await linkSandboxSession(t, user.token);
  });
  afterAll(async () => {
    await t?.close({ drop: true });
    await receiver?.close();
  });

  it('reads a location, contact cards, a poll, a link preview and an event; the callback names each kind with a readable text', async () => {
    const location = await fromContact(contact, { location: { latitude: -34.6037, longitude: -58.3816, name: 'Obelisco', address: 'Av. 9 de Julio' } });
    expect(location.summary).toMatchObject({ kind: 'location', location: { latitude: -34.6037, longitude: -58.3816, name: 'Obelisco', address: 'Av. 9 de Julio', live: false } });
    const live = await fromContact(contact, { location: { latitude: 1.5, longitude: 2.5, live: true } });
    expect(live.summary.location).toEqual({ latitude: 1.5, longitude: 2.5, name: null, address: null, url: null, live: true });
    const cards = await fromContact(contact, { contacts: [{ phone: '5491122223333', displayName: 'Eva' }, { vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Caro\nTEL;type=CELL:+54 9 11 4444-5555\nEND:VCARD' }] });
    expect(cards.summary).toMatchObject({ kind: 'contact', contacts: [{ displayName: 'Eva', phones: ['5491122223333'] }, { displayName: 'Caro', phones: ['5491144445555'] }] });
    const poll = await fromContact(contact, { poll: { name: 'Lunch?', options: ['Pizza', 'Sushi'] } });
    expect(poll.summary).toMatchObject({ kind: 'poll', poll: { name: 'Lunch?', selectableCount: 1, options: [{ name: 'Pizza', votes: 0 }, { name: 'Sushi', votes: 0 }], totalVotes: 0 } });
    const link = await fromContact(contact, { text: 'see https://example.com/a', linkPreview: { url: 'https://example.com/a', title: 'Example', description: 'An example' } });
    expect(link.summary).toMatchObject({ kind: 'text', text: 'see https://example.com/a', linkPreview: { url: 'https://example.com/a', title: 'Example', description: 'An example' } });
    const event = await fromContact(contact, { event: { name: 'Launch', description: 'Party', startAt: '2030-01-02T15:00:00Z' } });
    expect(event.summary).toMatchObject({ kind: 'event', event: { name: 'Launch', description: 'Party', startAt: '2030-01-02T15:00:00.000Z' } });

    const listed = new Map((await messagesOf(contact)).map((m) => [m.id, m]));
    expect(listed.get(location.id)).toMatchObject({ type: 'locationMessage', location: location.summary.location, contacts: null, poll: null, linkPreview: null, event: null, mentions: [] });
    expect(listed.get(cards.id)).toMatchObject({ contacts: cards.summary.contacts, location: null });
    expect(listed.get(cards.id)!.contacts[1].vcard).toContain('FN:Caro');
    expect(listed.get(poll.id)).toMatchObject({ poll: poll.summary.poll });
    expect(listed.get(link.id)).toMatchObject({ linkPreview: link.summary.linkPreview });
    expect(listed.get(event.id)).toMatchObject({ event: event.summary.event });
    // Rows stored before the kinds were decoded at write time read the same, from their raw message.
    await t.app.get(DataSource).query('UPDATE wa_messages SET rich = NULL WHERE session_id = $1', [session.id]);
    expect(new Map((await messagesOf(contact)).map((m) => [m.id, m]))).toEqual(listed);

    await receiver.waitFor(() => receiver.delivered.filter((r) => r.path === RECEIVED && r.body.session_id === session.id).length >= 6, 15_000, 'six callbacks');
    const received = receiver.delivered.filter((r) => r.path === RECEIVED && r.body.session_id === session.id).map((r) => [r.body.message_type, r.body.message_content]);
    expect(received).toEqual(expect.arrayContaining([
      ['location', 'Obelisco, Av. 9 de Julio'],
      ['location', '1.5,2.5'],
      ['contact', 'Eva, Caro'],
      ['poll', 'Lunch?'],
      ['text', 'see https://example.com/a'],
      ['event', 'Launch'],
    ]));
  });

  it("decrypts a contact's votes on its own poll: the latest vote wins, a withdrawal empties it", async () => {
    const voter = uniquePhone();
    const { id: pollId } = await fromContact(voter, { poll: { name: 'When?', options: ['Mon', 'Tue', 'Wed'], selectableCount: 2 } });
    const vote = async (options: string[]) => {
      const announced = nextEvent(t, 'session.messages.poll', (e) => e.sessionId === session.id && e.payload.votes.some((v) => v.messageId === pollId));
      const res = await call(t, 'POST', `/sandbox/contacts/${voter}/votes`, { token: user.token, body: { to: session.phone, messageId: pollId, options } });
      expect(res.status).toBe(200);
      return (await announced).payload;
    };
    const first = await vote(['Mon', 'Wed']);
    expect(first).toMatchObject({ votesCount: 1, votes: [{ messageId: pollId, chatJid: `${voter}@s.whatsapp.net`, voterJid: `${voter}@s.whatsapp.net`, options: ['Mon', 'Wed'], at: expect.any(Number) }] });
    await vote(['Tue']);
    const poll = (await messagesOf(voter)).find((m) => m.id === pollId)!.poll;
    expect(poll).toEqual({
      name: 'When?', selectableCount: 2, totalVotes: 1,
      options: [{ name: 'Mon', votes: 0, voters: [] }, { name: 'Tue', votes: 1, voters: [`${voter}@s.whatsapp.net`] }, { name: 'Wed', votes: 0, voters: [] }],
    });
    // The vote is no message of the chat.
    expect((await messagesOf(voter)).map((m) => m.type)).toEqual(['pollCreationMessageV3']);
    expect((await vote([])).votes[0].options).toEqual([]);
    expect((await messagesOf(voter))[0].poll.totalVotes).toBe(0);
  });
  /** The session sends `body` to `to`; resolves once the contact decrypted it, with what its inbox shows. */
  async function sessionSends(to: string, body: Record<string, unknown>): Promise<{ id: string; inbox: Json }> {
    const res = await call(t, 'POST', `/chats/${to}/messages`, { token: user.token, body });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    await t.app.get(SandboxService).simulator.waitForSentMessage((m) => m.id === id && m.decryptedBy.includes('contact'));
    const inbox = await call(t, 'GET', `/sandbox/contacts/${to}/inbox?from=${session.phone}`, { token: user.token });
    return { id, inbox: (inbox.body.messages as Json[]).find((m) => m.id === id) };
  }

  it("sends a location, contact cards and a poll: the contact's phone decodes what was sent, and the chat reads it back", async () => {
    const to = uniquePhone();
    const location = await sessionSends(to, { location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel', address: 'Champ de Mars' } });
    expect(location.inbox).toMatchObject({ kind: 'location', location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel', address: 'Champ de Mars' } });
    const cards = await sessionSends(to, { contacts: [{ phone: '+54 9 11 2222-3333', displayName: 'Eva' }, { vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Caro\nTEL;type=CELL;waid=5491144445555:+5491144445555\nEND:VCARD' }] });
    expect(cards.inbox.kind).toBe('contacts');
    expect(cards.inbox.contacts).toEqual([
      { displayName: 'Eva', vcard: expect.stringContaining('TEL;type=CELL;waid=5491122223333:+5491122223333') },
      { displayName: 'Caro', vcard: expect.stringContaining('FN:Caro') },
    ]);
    const poll = await sessionSends(to, { poll: { name: 'Dinner?', options: ['Tapas', 'Ramen', 'Pho'] } });
    expect(poll.inbox).toMatchObject({ kind: 'poll', poll: { name: 'Dinner?', options: ['Tapas', 'Ramen', 'Pho'], selectableCount: 1 } });

    const listed = new Map((await messagesOf(to)).map((m) => [m.id, m]));
    expect(listed.get(location.id)).toMatchObject({ fromMe: true, location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel', address: 'Champ de Mars', live: false } });
    expect(listed.get(cards.id)!.contacts).toEqual([
      expect.objectContaining({ displayName: 'Eva', phones: ['5491122223333'] }), expect.objectContaining({ displayName: 'Caro', phones: ['5491144445555'] }),
    ]);
    expect(listed.get(poll.id)!.poll).toMatchObject({ name: 'Dinner?', selectableCount: 1, totalVotes: 0 });
  });

  it('a poll voted by three contacts, one changing its vote, and by the session itself gives the right totals', async () => {
    const [a, b, c] = [uniquePhone(), uniquePhone(), uniquePhone()];
    const { id: pollId } = await sessionSends(a, { poll: { name: 'Where?', options: ['Park', 'Beach', 'Museum'], selectableCount: 2 } });
    const contactVotes = async (voter: string, options: string[]) => {
      const announced = nextEvent(t, 'session.messages.poll', (e) => e.payload.votes.some((v) => v.messageId === pollId && v.voterJid === `${voter}@s.whatsapp.net`));
      const res = await call(t, 'POST', `/sandbox/contacts/${voter}/votes`, { token: user.token, body: { to: session.phone, messageId: pollId, options } });
      expect(res.status).toBe(200);
      expect((await announced).payload.votes[0]).toMatchObject({ chatJid: `${a}@s.whatsapp.net`, options });
    };
    await contactVotes(a, ['Park']);
    await contactVotes(b, ['Park', 'Beach']);
    await contactVotes(c, ['Museum']);
    await contactVotes(a, ['Beach']);

    const own = `${session.phone}@s.whatsapp.net`;
    const announced = nextEvent(t, 'session.messages.poll', (e) => e.payload.votes.some((v) => v.messageId === pollId && v.voterJid === own));
    const voted = await call(t, 'POST', `/chats/${a}/messages/${pollId}/votes`, { token: user.token, body: { options: ['Museum'] } });
    expect(voted.status).toBe(200);
    await announced;
    const byName = (poll: Json) => Object.fromEntries((poll.options as Json[]).map((o) => [o.name, [o.votes, [...o.voters].sort()]]));
    const expected = {
      Park: [1, [`${b}@s.whatsapp.net`]],
      Beach: [2, [`${a}@s.whatsapp.net`, `${b}@s.whatsapp.net`].sort()],
      Museum: [2, [`${c}@s.whatsapp.net`, own].sort()],
    };
    expect(voted.body.data.poll.totalVotes).toBe(4);
    expect(byName(voted.body.data.poll)).toEqual(expected);
    expect(byName((await messagesOf(a)).find((m) => m.id === pollId)!.poll)).toEqual(expected);
    // The contact's phone decrypts the session's vote.
    const sim = t.app.get(SandboxService).simulator;
    const vote = await sim.waitForSentMessage((m) => m.kind === 'vote' && m.vote?.pollMessageId === pollId && m.decryptedBy.includes('contact'));
    expect(vote.vote).toEqual({ pollMessageId: pollId, options: ['Museum'] });
  });

  it('refuses bad sends and votes with a 4xx in the error shape; another tenant sees no poll', async () => {
    const to = contact;
    const bad: unknown[] = [
      { content: 'x', location: { latitude: 1, longitude: 1 } },
      { location: { latitude: 1, longitude: 1 }, poll: { name: 'Q', options: ['a', 'b'] } },
      { poll: { name: 'Q', options: ['only one'] } },
      { poll: { name: 'Q', options: Array.from({ length: 13 }, (_, i) => `o${i}`) } },
      { poll: { name: 'Q', options: ['a', 'a'] } },
      { poll: { name: 'Q', options: ['a', 'b'], selectableCount: 3 } },
      { poll: { name: 'Q\ud800', options: ['a', 'b'] } },
      { location: { latitude: 91, longitude: 0 } },
      { location: { latitude: 0, longitude: 'east' } },
      { contacts: [] },
      { contacts: [{ displayName: 'nobody' }] },
      { contacts: [{ phone: '12' }] },
      { contacts: [{ vcard: 'not a card' }] },
    ];
    for (const body of bad) expectErrorShape(await call(t, 'POST', `/chats/${to}/messages`, { token: user.token, body }), 400);

    const { id: pollId } = await sessionSends(to, { poll: { name: 'One?', options: ['x', 'y'] } });
    const vote = (body: unknown, id = pollId, token = user.token) => call(t, 'POST', `/chats/${to}/messages/${id}/votes`, { token, body });
    expectErrorShape(await vote({ options: ['z'] }), 422);
    expectErrorShape(await vote({ options: ['x', 'y'] }), 422);
    expectErrorShape(await vote({ options: 'x' }), 400);
    expectErrorShape(await vote({}), 400);
    const text = (await messagesOf(to)).find((m) => m.type !== 'pollCreationMessageV3')!;
    expectErrorShape(await vote({ options: ['x'] }, text.id), 422);
    expectErrorShape(await vote({ options: ['x'] }, '3EB0AAAAAAAAAAAAAAAA'), 404);
    const other = await newUser(t);
    expectErrorShape(await call(t, 'POST', `/chats/${to}/messages/${pollId}/votes?sessionId=${session.id}`, { token: other.token, body: { options: ['x'] } }), 404);
  });
  it('a paced session queues a poll and a location and sends them as they were asked', async () => {
    const paced = await newUser(t);
    const pacedSession = await linkSandboxSession(t, paced.token);
    const set = await call(t, 'PATCH', `/sessions/${pacedSession.id}`, { token: paced.token, body: { pacing: { minIntervalMs: 10, maxIntervalMs: 20, typing: false } } });
    expect(set.status).toBe(200);
    const to = uniquePhone();
    const sim = t.app.get(SandboxService).simulator;
    for (const body of [{ poll: { name: 'Queued?', options: ['yes', 'no'] } }, { location: { latitude: 10, longitude: 20, name: 'Queued place' } }]) {
      const res = await call(t, 'POST', `/chats/${to}/messages`, { token: paced.token, body });
      expect(res.status).toBe(202);
      const got = await sim.waitForSentMessage((m) => m.id === res.body.id && m.decryptedBy.includes('contact'), 15_000);
      expect(body.poll ? got.poll : got.location).toMatchObject(body.poll ? { name: 'Queued?', options: ['yes', 'no'] } : { latitude: 10, longitude: 20, name: 'Queued place' });
    }
  });

  describe('link previews', () => {
    let pages: Server;
    let silent: TcpServer;
    const held = new Set<Socket>();
    let base = '';
    let silentUrl = '';
    beforeAll(async () => {
      pages = createHttpServer((req, res) => {
        if (req.url === '/article') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<html><head><title>Fallback</title><meta property="og:title" content="Local &amp; fast"><meta name="description" content="A page served by the test"></head><body>x</body></html>');
        } else if (req.url === '/moved') {
          res.writeHead(302, { location: '/article' }).end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        }
      });
      // Accepts connections and never answers.
      silent = createTcpServer((socket) => held.add(socket));
      await Promise.all([new Promise<void>((r) => pages.listen(0, '127.0.0.1', r)), new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))]);
      base = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
      silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/never`;
    });
    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await Promise.all([new Promise((r) => pages?.close(r)), new Promise((r) => silent?.close(r))]);
    });

    it("builds a text's preview from its first URL (after a redirect); the contact's phone shows it", async () => {
      const to = uniquePhone();
      const sent = await sessionSends(to, { content: `read this: ${base}/moved, please`, linkPreview: true });
      expect(sent.inbox).toMatchObject({ kind: 'text', text: `read this: ${base}/moved, please`, linkPreview: { url: `${base}/moved`, title: 'Local & fast', description: 'A page served by the test' } });
      expect((await messagesOf(to)).find((m) => m.id === sent.id)!.linkPreview).toEqual({ url: `${base}/moved`, title: 'Local & fast', description: 'A page served by the test' });
      // Not HTML: the text goes without a preview.
      const plain = await sessionSends(to, { content: `data ${base}/data.json`, linkPreview: true });
      expect(plain.inbox.linkPreview).toBeUndefined();
    });

    it('sends the text without a preview when the page never answers (5 s)', async () => {
      const to = uniquePhone();
      const started = Date.now();
      const sent = await sessionSends(to, { content: `slow ${silentUrl}`, linkPreview: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      expect(sent.inbox).toMatchObject({ kind: 'text', text: `slow ${silentUrl}` });
      expect(sent.inbox.linkPreview).toBeUndefined();
      expect((await messagesOf(to)).find((m) => m.id === sent.id)!.linkPreview).toBeNull();
    });

    it("fetches the page through the session's proxy", async () => {
      const proxy = await startTinyproxy('kinds', 'preview-proxy-password');
      try {
        const other = await newUser(t);
        const created = await call(t, 'POST', '/sessions', { token: other.token, body: { proxy: proxy.url } });
        const qr = await nextEvent(t, 'session.qr.updated', (e) => e.sessionId === created.body.id);
        const sim = t.app.get(SandboxService).simulator;
        await sim.scanQr(qr.payload.qrText, { phoneNumber: uniquePhone() });
        await awaitStatus(t, other.token, created.body.id as string, 'connected', 30_000);
        const to = uniquePhone();
        const res = await call(t, 'POST', `/chats/${to}/messages`, { token: other.token, body: { content: `via proxy ${base}/article`, linkPreview: true } });
        expect(res.status).toBe(201);
        await proxy.tunnels.next((target) => target === new URL(base).host, 'the page fetched through the proxy');
        const sent = await sim.waitForSentMessage((m) => m.id === res.body.id && m.decryptedBy.includes('contact'));
        expect(sent.linkPreview).toMatchObject({ title: 'Local & fast' });
      } finally {
        await proxy.close();
      }
    });

    it('refuses linkPreview without a text', async () => {
      for (const body of [{ linkPreview: true, location: { latitude: 1, longitude: 1 } }, { content: 'x', linkPreview: 'yes' }, { linkPreview: true }]) {
        expectErrorShape(await call(t, 'POST', `/chats/${contact}/messages`, { token: user.token, body }), 400);
      }
    });
  });
});
