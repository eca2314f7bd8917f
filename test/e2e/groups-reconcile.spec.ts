/**
 * The refresh at connect reconciles the stored groups with WhatsApp's answer: a group the session
 * was removed from while it was offline (no notification reaches an offline device; the simulator
 * only marks it dirty) is forgotten at reconnect, with the same event a live removal brings. A
 * failed refresh changes nothing. The app in sandbox mode, a real Baileys session on the in-process
 * simulator, real HTTP, Socket.io and /ws/sessions clients.
 */
import WebSocket from 'ws';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape, type Json } from '../support/auth-helpers.js';
import { connectAuthenticated, type RecordingSocket } from '../support/realtime-harness.js';
import { linkSandboxSession, newUser, nextEvent, statusEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { WsRecorder } from '../support/ws-recorder.js';

describe('groups: the refresh at connect', () => {
  let t: TestApp;
  let alice: TestUser;
  let session: { id: string; phone: string };
  let socket: RecordingSocket;
  let ws: WsRecorder;
  const [owner, bob] = [uniquePhone(), uniquePhone()];
  let kept: string;
  let left: string;

  const sim = () => t.app.get(SandboxService).simulator;
  const api = (method: string, path: string, body?: unknown) => call(t, method, path, { token: alice.token, body });
  const listed = async () => ((await api('GET', '/groups')).body.data as Json[]).map((g) => g.jid);
  const stop = async () => expect((await api('POST', `/sessions/${session.id}/stop`)).body.data.status).toBe('disconnected');
  const reconnect = async () => {
    const connected = statusEvent(t, session.id, 'connected', 30_000);
    expect((await api('POST', `/sessions/${session.id}/restart`)).status).toBe(200);
    await connected;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true' } });
    alice = await newUser(t);
    session = await linkSandboxSession(t, alice.token);
    socket = await connectAuthenticated(t, alice.token);
    ws = new WsRecorder(new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/ws/sessions?accessToken=${encodeURIComponent(alice.token)}`));
    await ws.next((f) => f.type === 'session.snapshot', 'the snapshot');
    for (const subject of ['Asado', 'Fútbol']) {
      const upserted = nextEvent(t, 'session.groups.upsert', (e) => e.sessionId === session.id && e.payload.groups.some((g) => g.subject === subject));
      const created = await api('POST', '/sandbox/groups', { owner, subject, participants: [session.phone, bob] });
      expect(created.status).toBe(200);
      await upserted;
      if (subject === 'Asado') kept = created.body.jid;
      else left = created.body.jid;
    }
    expect((await listed()).sort()).toEqual([kept, left].sort());
  });
  afterAll(async () => {
    socket?.close();
    ws?.ws.close();
    await t?.close({ drop: true });
  });

  it('forgets a group the session was removed from while offline, with the event of a removal', async () => {
    await stop();
    const removed = await api('POST', `/sandbox/groups/${left}/participants`, { actor: owner, action: 'remove', participants: [session.phone] });
    expect(removed.body).toEqual({ success: true, results: [{ phone: session.phone, status: '200' }] });

    const gone = nextEvent(t, 'session.groups.participants', (e) => e.sessionId === session.id && e.payload.groupJid === left);
    await reconnect();
    expect((await gone).payload).toEqual({
      tenantId: alice.tenantId, groupJid: left, action: 'remove', actorJid: null, at: expect.any(String),
      participants: [{ jid: expect.stringMatching(/@lid$/), pnJid: `${session.phone}@s.whatsapp.net`, lidJid: expect.stringMatching(/@lid$/), phone: session.phone, admin: null }],
    });
    const isGone = (d: Json) => (d.payload as Json | undefined)?.groupJid === left;
    const got = await socket.next('session.groups.participants', isGone);
    expect(got).toMatchObject({ type: 'session.groups.participants', sessionId: session.id, payload: { action: 'remove' } });
    const frame = await ws.next((f) => f.type === 'session.groups.participants' && isGone(f), 'the removal on /ws/sessions');
    expect(frame).toMatchObject({ sessionId: session.id, eventId: got.eventId, payload: { tenantId: alice.tenantId, action: 'remove' } });

    expect(await listed()).toEqual([kept]);
    // What a left group answers: not stored, and WhatsApp says the session is not a member.
    expectErrorShape(await api('GET', `/groups/${left}`), 404);
    expect((await api('GET', `/groups/${kept}`)).body).toMatchObject({ jid: kept, subject: 'Asado' });
  });

  it('a failed refresh changes nothing', async () => {
    await stop();
    sim().groups.participatingFailures = 1;
    const asked = sim().waitFor('groupIq', (q) => q.phoneNumber === session.phone && q.query === 'participating', 30_000);
    await reconnect();
    await asked;
    expect(sim().groups.participatingFailures).toBe(0);
    // A message sent after the refused answer is handled after anything that answer could have queued.
    const upserted = nextEvent(t, 'session.messages.upsert', (e) => e.sessionId === session.id && e.payload.messages.some((m) => m.text === 'después'));
    await sim().contact(bob).sendText(session.phone, 'después');
    await upserted;
    expect(await listed()).toEqual([kept]);
    expect((await api('GET', `/groups/${kept}`)).body).toMatchObject({ jid: kept, subject: 'Asado' });
  });
});
