/**
 * Number checks, contacts' profiles and the account's own profile end to end: the app in sandbox
 * mode, its real Baileys session on the in-process simulator, a real HTTP client. What the session
 * changed is read back from the simulator (about text, push name, picture bytes).
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, expectErrorShape } from '../support/auth-helpers.js';
import { png, upload } from '../support/media-fixtures.js';
import { linkSandboxSession, newUser, nextEvent, uniquePhone, type TestUser } from '../support/sessions-harness.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('contacts: number checks and profiles; the own profile', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let session: { id: string; phone: string };
  const known = uniquePhone();
  let knownLid: string;
  const picture = Buffer.from('/9j/4AAQSkZJRgABAQ-not-really-a-jpeg', 'utf8');

  const sim = () => t.app.get(SandboxService).simulator;

  beforeAll(async () => {
    t = await startTestApp({ env: { WA_SANDBOX: 'true', CONTACT_CHECKS_PER_MINUTE: '60' } });
    alice = await newUser(t);
    bob = await newUser(t);
    session = await linkSandboxSession(t, alice.token);
    const declared = await call(t, 'POST', '/sandbox/contacts', { token: alice.token, body: { phone: known, name: 'Kim', about: 'Busy', picture: picture.toString('base64') } });
    expect(declared.status).toBe(200);
    knownLid = declared.body.lid as string;
  });
  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('checks numbers: jid and LID for one on WhatsApp, exists false for one that is not; repeated checks come from the cache', async () => {
    const unknown = uniquePhone();
    // The number checks WhatsApp (the simulator) receives from this session.
    const asked: string[] = [];
    const off = sim().on('numberCheck', (c) => c.phoneNumber === session.phone && asked.push(...c.numbers.map((n) => n.replace(/\D/g, ''))));
    const res = await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: [`+${known}`, unknown] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        { phone: known, exists: true, jid: `${known}@s.whatsapp.net`, lid: expect.stringMatching(/@lid$/) },
        { phone: unknown, exists: false, jid: null, lid: null },
      ],
    });
    expect(res.body.data[0].lid).toBe(knownLid);
    expect([...new Set(asked)].sort()).toEqual([known, unknown].sort());
    asked.length = 0;
    const again = await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: [known, unknown] } });
    expect(again.body).toEqual(res.body);
    off();
    // From the cache: WhatsApp was not asked again.
    expect(asked).toEqual([]);
  });

  it('limits uncached lookups per session and minute (429 with Retry-After)', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `5493${String(Date.now() % 1_000_000).padStart(6, '0')}${String(i).padStart(2, '0')}`);
    expect((await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: fifty } })).status).toBe(200);
    const more = Array.from({ length: 20 }, (_, i) => `5494${String(Date.now() % 1_000_000).padStart(6, '0')}${String(i).padStart(2, '0')}`);
    const limited = await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: more } });
    expectErrorShape(limited, 429, 'TOO_MANY_REQUESTS');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Cached answers cost nothing: they still come while the budget is spent.
    expect((await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: fifty.slice(0, 3) } })).status).toBe(200);
  });

  it("reads a contact's profile: about, picture (the simulator's bytes), not a business", async () => {
    const res = await call(t, 'GET', `/contacts/${known}/profile`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      jid: `${known}@s.whatsapp.net`, phone: known, name: null, notify: null, about: 'Busy', pictureUrl: sim().profileOf(known).picture!.url, isBusiness: false,
    });
    const bytes = Buffer.from(await (await fetch(res.body.pictureUrl as string, { dispatcher: sim().mediaTrust().dispatcher } as RequestInit)).arrayBuffer());
    expect(bytes.equals(picture)).toBe(true);
    const none = await call(t, 'GET', `/contacts/${session.phone}@s.whatsapp.net/profile`, { token: alice.token });
    expect(none.body).toMatchObject({ pictureUrl: null, about: expect.any(String) });
  });

  it('changes the own name and about on WhatsApp, sets and removes the picture', async () => {
    const named = sim().waitFor('appState', (m) => m.phoneNumber === session.phone && m.index[0] === 'setting_pushName');
    const patched = await call(t, 'PATCH', `/sessions/${session.id}/profile`, { token: alice.token, body: { name: 'Support', about: 'Open 9-18' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ name: 'Support', about: 'Open 9-18', pictureUrl: null });
    await named;
    expect(sim().profileOf(session.phone).about).toBe('Open 9-18');

    const media = await upload(t, { token: alice.token, kind: 'image', file: { bytes: await png(800, 600), fileName: 'me.png', type: 'image/png' } });
    expect(media.status).toBe(201);
    const put = await call(t, 'PUT', `/sessions/${session.id}/profile/picture`, { token: alice.token, body: { mediaId: media.body.id } });
    expect(put.status).toBe(200);
    const stored = sim().profileOf(session.phone).picture!;
    expect(put.body.pictureUrl).toBe(stored.url);
    const jpeg = Buffer.from(await (await fetch(stored.url, { dispatcher: sim().mediaTrust().dispatcher } as RequestInit)).arrayBuffer());
    expect(jpeg.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect((await call(t, 'GET', `/sessions/${session.id}/profile`, { token: alice.token })).body).toEqual({ name: expect.any(String), about: 'Open 9-18', pictureUrl: stored.url });

    const removed = await call(t, 'DELETE', `/sessions/${session.id}/profile/picture`, { token: alice.token });
    expect(removed.status).toBe(204);
    expect(sim().profileOf(session.phone).picture).toBeUndefined();
    expect((await call(t, 'GET', `/sessions/${session.id}/profile`, { token: alice.token })).body.pictureUrl).toBeNull();
  });

  it('a name the phone sets reaches the own profile', async () => {
    const named = nextEvent(t, 'session.status.changed', (e) => e.sessionId === session.id && e.payload.reason === 'profile_name' && e.payload.deviceName === 'Ventas');
    expect((await call(t, 'POST', `/sandbox/phones/${session.phone}/app-state`, { token: alice.token, body: { pushName: 'Ventas' } })).status).toBe(200);
    await named;
    expect((await call(t, 'GET', `/sessions/${session.id}/profile`, { token: alice.token })).body).toMatchObject({ name: 'Ventas' });
  });

  it('bad input is a 400 in the error shape; a non-image is refused', async () => {
    const sixtyOne = Array.from({ length: 61 }, (_, i) => `54911000000${String(i).padStart(2, '0')}`);
    expectErrorShape(await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: sixtyOne } }), 400);
    expectErrorShape(await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: [] } }), 400);
    expectErrorShape(await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: ['12ab'] } }), 400);
    expectErrorShape(await call(t, 'POST', '/contacts/check', { token: alice.token, body: { phones: ['\u0000549'] } }), 400);
    expectErrorShape(await call(t, 'GET', '/contacts/not-a-jid/profile', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'GET', '/contacts/549110%0000000/profile', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'GET', '/contacts/%ED%A0%80%40lid/profile', { token: alice.token }), 400);
    expectErrorShape(await call(t, 'PATCH', `/sessions/${session.id}/profile`, { token: alice.token, body: {} }), 400);
    expectErrorShape(await call(t, 'PATCH', `/sessions/${session.id}/profile`, { token: alice.token, body: { name: 'x'.repeat(26) } }), 400);
    expectErrorShape(await call(t, 'PUT', `/sessions/${session.id}/profile/picture`, { token: alice.token, body: { mediaId: 'nope' } }), 400);
    const doc = await upload(t, { token: alice.token, kind: 'document', file: { bytes: Buffer.from('%PDF-1.4'), fileName: 'a.pdf', type: 'application/pdf' } });
    expectErrorShape(await call(t, 'PUT', `/sessions/${session.id}/profile/picture`, { token: alice.token, body: { mediaId: doc.body.id } }), 400);
  });

  it("another tenant's session and media are 404", async () => {
    expectErrorShape(await call(t, 'POST', `/contacts/check?sessionId=${session.id}`, { token: bob.token, body: { phones: [known] } }), 404);
    expectErrorShape(await call(t, 'GET', `/contacts/${known}/profile?sessionId=${session.id}`, { token: bob.token }), 404);
    expectErrorShape(await call(t, 'GET', `/sessions/${session.id}/profile`, { token: bob.token }), 404);
    expectErrorShape(await call(t, 'PATCH', `/sessions/${session.id}/profile`, { token: bob.token, body: { about: 'x' } }), 404);
    expectErrorShape(await call(t, 'DELETE', `/sessions/${session.id}/profile/picture`, { token: bob.token }), 404);
    const own = await upload(t, { token: alice.token, kind: 'image', file: { bytes: await png(), fileName: 'a.png', type: 'image/png' } });
    expectErrorShape(await call(t, 'PUT', `/sessions/${session.id}/profile/picture`, { token: bob.token, body: { mediaId: own.body.id } }), 404);
    const media = await upload(t, { token: bob.token, kind: 'image', file: { bytes: await png(), fileName: 'b.png', type: 'image/png' } });
    expectErrorShape(await call(t, 'PUT', `/sessions/${session.id}/profile/picture`, { token: alice.token, body: { mediaId: media.body.id } }), 404);
  });
});
