/**
 * Every message kind in the console, in real Chromium against the running app in sandbox mode
 * (real Baileys against the simulator): a contact sends a location, a contact card, a link preview,
 * an event, a poll, a voice note (Ogg Opus made by the product's converter) and a sticker, and the
 * page shows each; the page votes on the poll and its totals change; the contact's votes update
 * the page live (`session.messages.poll`); the voice note's <audio> loads its duration. The "+"
 * menu sends a location, a contact card and a poll that the contact's phone decodes. Every wait is
 * on what the page shows.
 */
import { MediaConverter } from '../../src/media/media-converter.js';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, type Json } from '../support/auth-helpers.js';
import { screenshot } from '../support/browser.js';
import { WAIT, signUpInPage, tokenOf, useSandboxConsole } from '../support/console-page.js';
import { webp } from '../support/media-fixtures.js';
import { linkSandboxSession, uniquePhone } from '../support/sessions-harness.js';

type Audio = { duration: number; readyState: number; error: { code: number } | null; addEventListener(type: string, fn: () => void, opts: unknown): void };
type Img = { decode(): Promise<void>; naturalWidth: number; naturalHeight: number };

const h = useSandboxConsole({ viewport: { width: 1180, height: 1000 } });

/** A 2 s 440 Hz tone, 16-bit mono PCM WAV. */
function wavTone(seconds = 2, rate = 8000): Buffer {
  const pcm = Buffer.alloc(seconds * rate * 2);
  for (let i = 0; i < seconds * rate; i++) pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

it('shows every kind a contact sends, votes on a poll with live totals, plays a voice note, and sends kinds from the "+" menu', async () => {
  const page = await h.context.newPage();
  const email = await signUpInPage(page, h.t.baseUrl);
  const token = await tokenOf(h.t, email);
  const session = await linkSandboxSession(h.t, token);
  // Received media is downloaded at once, so the voice note and the sticker have bytes to show.
  expect((await call(h.t, 'POST', '/config/download-media', { token, body: { enabled: true } })).body.enabled).toBe(true);
  const contact = uniquePhone();
  const asContact = async (path: string, body: Record<string, unknown>): Promise<Json> => {
    const res = await call(h.t, 'POST', `/sandbox/contacts/${contact}/${path}`, { token, body: { to: session.phone, ...body } });
    expect(res.status).toBeLessThan(300);
    return res.body;
  };

  const card = page.locator(`[data-session-id="${session.id}"]`);
  await asContact('messages', { text: 'Te mando de todo' });
  await card.getByTestId('chat-row').filter({ hasText: `+${contact}` }).click();
  const thread = card.getByTestId('thread');
  await thread.getByTestId('chat-message').filter({ hasText: 'Te mando de todo' }).waitFor(WAIT);
  const bubble = (id: string) => thread.locator(`[data-message-id="${id}"]`);

  // A location: its name, address and a map link built from the coordinates.
  const location = await asContact('messages', { location: { latitude: -34.6037, longitude: -58.3816, name: 'Obelisco', address: 'Av. 9 de Julio s/n' } });
  const place = bubble(location.messageId).getByTestId('kind-location');
  await place.filter({ hasText: 'Obelisco' }).filter({ hasText: 'Av. 9 de Julio s/n' }).waitFor(WAIT);
  const href = (await place.getByRole('link', { name: 'Ver en el mapa' }).getAttribute('href'))!;
  const map = new URL(href);
  expect([map.origin, map.searchParams.get('mlat'), map.searchParams.get('mlon')]).toEqual(['https://www.openstreetmap.org', '-34.603700', '-58.381600']);

  // A contact card: its name and number.
  const shared = await asContact('messages', { contacts: [{ phone: '5491122223333', displayName: 'Eva Duarte' }] });
  await bubble(shared.messageId).getByTestId('contact-card').filter({ hasText: 'Eva Duarte' }).filter({ hasText: '+5491122223333' }).waitFor(WAIT);

  // A text with a link preview, and an event.
  const linked = await asContact('messages', {
    text: 'Mira https://example.com/nota', linkPreview: { url: 'https://example.com/nota', title: 'Una nota', description: 'De qué trata la nota' },
  });
  const preview = bubble(linked.messageId).getByTestId('kind-link-preview');
  await preview.filter({ hasText: 'Una nota' }).filter({ hasText: 'De qué trata la nota' }).waitFor(WAIT);
  expect(await preview.getAttribute('href')).toBe('https://example.com/nota');
  const event = await asContact('messages', { event: { name: 'Asado del sábado', description: 'Traer bebidas', startAt: '2030-01-05T20:00:00Z' } });
  await bubble(event.messageId).getByTestId('kind-event').filter({ hasText: 'Asado del sábado' }).filter({ hasText: 'Traer bebidas' }).waitFor(WAIT);

  // A poll: the page votes, then the contact votes and changes its vote; the totals follow live.
  const poll = await asContact('messages', { poll: { name: '¿Qué almorzamos?', options: ['Pizza', 'Sushi', 'Empanadas'] } });
  const pollView = bubble(poll.messageId).getByTestId('kind-poll');
  const option = (name: string) => pollView.locator(`[data-testid=poll-option][data-option="${name}"]`);
  const votes = (name: string, count: number) => pollView.locator(`[data-testid=poll-option][data-option="${name}"][data-votes="${count}"]`).waitFor(WAIT);
  await option('Pizza').waitFor(WAIT);
  await pollView.getByTestId('poll-total').filter({ hasText: '0 votantes' }).waitFor(WAIT);
  const voted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/votes'), WAIT);
  await option('Sushi').getByRole('button').click();
  expect((await voted).status()).toBe(200);
  await votes('Sushi', 1);
  expect(await option('Sushi').getByRole('button').getAttribute('aria-pressed')).toBe('true');
  const sim = h.t.app.get(SandboxService).simulator;
  const decoded = await sim.waitForSentMessage((m) => m.kind === 'vote' && m.decryptedBy.includes('contact'), 20_000);
  expect(decoded.vote).toMatchObject({ pollMessageId: poll.messageId, options: ['Sushi'] });
  await asContact('votes', { messageId: poll.messageId, options: ['Pizza'] });
  await votes('Pizza', 1);
  await pollView.getByTestId('poll-total').filter({ hasText: '2 votantes' }).waitFor(WAIT);
  await asContact('votes', { messageId: poll.messageId, options: ['Sushi'] });
  await votes('Sushi', 2);
  await votes('Pizza', 0);
  await pollView.getByTestId('poll-total').filter({ hasText: '2 votantes' }).waitFor(WAIT);
  // The same totals are what the API reads.
  const read = await call(h.t, 'GET', `/chats/${encodeURIComponent(`${contact}@s.whatsapp.net`)}/messages?sessionId=${session.id}`, { token });
  const stored = read.body.data.find((m: Json) => m.id === poll.messageId);
  expect(stored.poll.options.map((o: Json) => [o.name, o.votes])).toEqual([['Pizza', 0], ['Sushi', 2], ['Empanadas', 0]]);
  await screenshot(page, '50-kinds-poll');

  // A voice note (Ogg Opus, made by the product's converter): playable in the page, its duration loads.
  const voice = await new MediaConverter().toVoice(wavTone());
  const note = await asContact('messages', { media: { kind: 'ptt', mimetype: 'audio/ogg; codecs=opus', data: voice.bytes.toString('base64') } });
  const audio = bubble(note.messageId).getByTestId('media-audio');
  await audio.waitFor(WAIT);
  expect(await audio.getAttribute('src')).toMatch(/^blob:/);
  // The metadata loads (or the element reports why not): its duration is the voice note's.
  const duration = await audio.evaluate((el: Audio) => new Promise<number | string>((resolve) => {
    const done = () => resolve(Number.isFinite(el.duration) ? el.duration : `readyState ${el.readyState}, duration ${el.duration}, error ${el.error?.code}`);
    if (el.readyState >= 1 || el.error) return done();
    el.addEventListener('loadedmetadata', done, { once: true });
    el.addEventListener('error', done, { once: true });
  }));
  if (typeof duration === 'string') throw new Error(`the voice note did not load: ${duration}`);
  expect(duration).toBeGreaterThan(1.5);
  expect(duration).toBeLessThan(2.5);

  // A sticker: shown as its 512×512 WebP.
  const sticker = await asContact('messages', { media: { kind: 'sticker', mimetype: 'image/webp', data: (await webp()).toString('base64') } });
  const img = bubble(sticker.messageId).locator('[data-testid=message-media][data-kind=sticker] img');
  await img.waitFor(WAIT);
  expect(await img.evaluate(async (el: Img) => (await el.decode(), [el.naturalWidth, el.naturalHeight]))).toEqual([512, 512]);
  // The chat list names the last message's kind, not WhatsApp's content type.
  await card.getByTestId('chat-row').filter({ hasText: `+${contact}` }).filter({ hasText: 'Sticker' }).waitFor(WAIT);
  await screenshot(page, '51-kinds-received');

  // The "+" menu sends a location, a contact card and a poll; the contact's phone decodes each.
  const kinds = card.getByTestId('kind-composer');
  const sent = (kind: string) => sim.waitForSentMessage((m) => m.kind === kind && m.decryptedBy.includes('contact'), 20_000);

  await kinds.getByRole('button', { name: 'Enviar ubicación, contacto o encuesta' }).click();
  await kinds.getByRole('menuitem', { name: /Enviar ubicación/ }).click();
  const locationForm = kinds.getByTestId('kind-form-location');
  await locationForm.getByLabel('Latitud').fill('-12.0464');
  await locationForm.getByLabel('Longitud').fill('-77.0428');
  await locationForm.getByLabel('Nombre del lugar (opcional)').fill('Plaza Mayor');
  const sentLocation = sent('location');
  await locationForm.getByRole('button', { name: 'Enviar' }).click();
  expect((await sentLocation).location).toMatchObject({ latitude: -12.0464, longitude: -77.0428, name: 'Plaza Mayor' });
  await thread.locator('[data-testid=chat-message].mine').getByTestId('kind-location').filter({ hasText: 'Plaza Mayor' }).waitFor(WAIT);

  await kinds.getByRole('button', { name: 'Enviar ubicación, contacto o encuesta' }).click();
  await kinds.getByRole('menuitem', { name: /Enviar contacto/ }).click();
  const contactForm = kinds.getByTestId('kind-form-contact');
  await contactForm.getByLabel('Nombre del contacto').fill('Juan Pérez');
  await contactForm.getByLabel('Teléfono del contacto').fill('+54 9 11 4444 5555');
  const sentCard = sent('contacts');
  await contactForm.getByRole('button', { name: 'Enviar' }).click();
  const card1 = (await sentCard).contacts![0];
  expect(card1.displayName).toBe('Juan Pérez');
  expect(card1.vcard).toContain('waid=5491144445555');
  await thread.locator('[data-testid=chat-message].mine').getByTestId('contact-card').filter({ hasText: 'Juan Pérez' }).filter({ hasText: '+5491144445555' }).waitFor(WAIT);

  await kinds.getByRole('button', { name: 'Enviar ubicación, contacto o encuesta' }).click();
  await kinds.getByRole('menuitem', { name: /Crear encuesta/ }).click();
  const pollForm = kinds.getByTestId('kind-form-poll');
  await pollForm.getByLabel('Pregunta').fill('¿Cuándo nos vemos?');
  await pollForm.getByLabel('Opciones (una por línea, de 2 a 12)').fill('Lunes\nMartes\nMiércoles');
  await pollForm.getByLabel('Permitir varias respuestas').check();
  await screenshot(page, '52-kinds-compose');
  const sentPoll = sent('poll');
  await pollForm.getByRole('button', { name: 'Enviar' }).click();
  const pollSent = await sentPoll;
  expect(pollSent.poll).toMatchObject({ name: '¿Cuándo nos vemos?', options: ['Lunes', 'Martes', 'Miércoles'], selectableCount: 0 });
  const ownPoll = thread.locator(`[data-testid=chat-message].mine[data-message-id="${pollSent.id}"]`).getByTestId('kind-poll').filter({ hasText: '¿Cuándo nos vemos?' });
  await ownPoll.filter({ hasText: 'Elige una o más opciones.' }).waitFor(WAIT);
  // The contact votes on the session's poll: two options, live in the page.
  await asContact('votes', { messageId: pollSent.id, options: ['Lunes', 'Miércoles'] });
  await ownPoll.locator('[data-testid=poll-option][data-option="Miércoles"][data-votes="1"]').waitFor(WAIT);
  await ownPoll.locator('[data-testid=poll-option][data-option="Lunes"][data-votes="1"]').waitFor(WAIT);
  await ownPoll.getByTestId('poll-total').filter({ hasText: '1 votante' }).waitFor(WAIT);
  await screenshot(page, '53-kinds-sent');
});
