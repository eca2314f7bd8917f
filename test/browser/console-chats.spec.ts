/**
 * The console's chats in real Chromium against the running app in sandbox mode (real Baileys
 * against the simulator): a contact's message appears live in the chat list and the conversation
 * (addressed by phone number or by LID, one chat),
 * a reply from the composer reaches the contact quoted and its ticks turn to read, reactions both
 * ways, the contact's edit and delete as they happen, received media (previewed once downloaded),
 * an attachment (previewed from its stored bytes), and infinite
 * scroll back through a history of three pages, and what happened while the socket was down shown
 * once it reconnects by itself. The test plays the phone and the contact over the
 * sandbox API; every wait is on what the page shows.
 */
import type { Locator, Page, WebSocketRoute } from 'playwright-core';
import { DomainEvents } from '../../src/events/domain-events.js';
import { call, type Json } from '../support/auth-helpers.js';
import { screenshot } from '../support/browser.js';
import { WAIT, signUpInPage, tokenOf, useSandboxConsole } from '../support/console-page.js';
import { png } from '../support/media-fixtures.js';
import { nextEvent, sandboxScan, uniquePhone } from '../support/sessions-harness.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, window: any, MutationObserver: any;
/** The page's <img> (the tests are type-checked without the DOM lib). */
type Img = { decode(): Promise<void>; naturalWidth: number; naturalHeight: number };

const h = useSandboxConsole({ viewport: { width: 1180, height: 900 } });

/** Signs up, opens "Conectar WhatsApp" and waits for the QR; returns the session id and the user's token. */
async function startLinking(page: Page): Promise<{ sessionId: string; token: string }> {
  const email = await signUpInPage(page, h.t.baseUrl);
  await page.getByRole('button', { name: 'Conectar WhatsApp' }).click();
  const panel = page.getByTestId('connect-panel');
  await panel.getByTestId('qr-code').waitFor(WAIT);
  return { sessionId: (await panel.getAttribute('data-session-id'))!, token: await tokenOf(h.t, email) };
}

async function closeConnected(page: Page, phone: string): Promise<Locator> {
  // The connect panel closes by itself once the account is linked (seed 000).
  await page.getByTestId('link-success').getByTestId('connected-phone').filter({ hasText: `+${phone}` }).waitFor(WAIT);
  expect(await page.getByTestId('connect-panel').count()).toBe(0);
  const card = page.getByTestId('session-card');
  await card.getByTestId('session-status').filter({ hasText: `🟢 Conectado (+${phone})` }).waitFor(WAIT);
  return card;
}

it('a contact message live in the list and the conversation; reply, ticks, reactions, edit, delete, media and an attachment', async () => {
  const page = await h.context.newPage();
  const phone = uniquePhone();
  const contact = uniquePhone();
  const { token } = await startLinking(page);
  const panel = page.getByTestId('connect-panel');
  await panel.getByLabel('Número del teléfono simulado').fill(phone);
  await panel.getByRole('button', { name: 'Escanear el QR' }).click();
  const card = await closeConnected(page, phone);
  await card.getByTestId('chats').getByText('Todavía no hay chats.').waitFor(WAIT);
  // An incoming call shows as a toast while it rings; "Rechazar" declines it for the caller.
  const rang = await call(h.t, 'POST', `/sandbox/contacts/${contact}/calls`, { token, body: { to: phone, ringSeconds: 60 } });
  const toast = page.getByTestId('call-toast').filter({ hasText: `+${contact}` });
  await toast.waitFor(WAIT);
  await toast.getByRole('button', { name: 'Rechazar' }).click();
  await toast.waitFor({ ...WAIT, state: 'detached' });
  const seen = await call(h.t, 'GET', `/sandbox/contacts/${contact}/calls`, { token });
  expect(seen.body.data).toEqual([expect.objectContaining({ callId: rang.body.callId, status: 'rejected' })]);
  const asContact = async (path: string, body: Record<string, unknown>): Promise<Json> => {
    const res = await call(h.t, 'POST', `/sandbox/contacts/${contact}/${path}`, { token, body: { to: phone, ...body } });
    expect(res.status).toBeLessThan(300);
    return res.body;
  };
  const inbox = async (): Promise<Json> => (await call(h.t, 'GET', `/sandbox/contacts/${contact}/inbox?from=${phone}`, { token })).body;

  // The contact writes (from the sandbox panel): a chat with its number and one unread appears live.
  await card.getByLabel('Número del contacto').fill(contact);
  await card.getByLabel('Mensaje del contacto').fill('Hola desde el contacto');
  await card.getByRole('button', { name: 'El contacto envía' }).click();
  const row = card.getByTestId('chat-row').filter({ hasText: `+${contact}` });
  await row.filter({ hasText: 'Hola desde el contacto' }).getByTestId('unread').filter({ hasText: '1' }).waitFor(WAIT);
  await screenshot(page, '21-chat-list-unread');

  await row.click();
  const thread = card.getByTestId('thread');
  const first = thread.getByTestId('chat-message').filter({ hasText: 'Hola desde el contacto' });
  await first.waitFor(WAIT);
  const theirId = (await first.getAttribute('data-message-id'))!;
  const theirs = thread.locator(`[data-message-id="${theirId}"]`);
  // Opening the chat reads it: the unread badge goes.
  await row.getByTestId('unread').waitFor({ state: 'detached', ...WAIT });

  // A reply from the composer: quoted in the page and at the contact; ticks move on to read live,
  // never back (every status each own message showed is recorded by the page itself).
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    (window as any).tickHistory = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid=chat-message].mine')) {
        const status = el.querySelector('[data-testid=ticks]')?.dataset.status;
        const list = (seen[el.dataset.messageId] ??= []);
        if (status && list.at(-1) !== status) list.push(status);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await theirs.getByRole('button', { name: 'Responder' }).click();
  const composer = card.getByTestId('composer');
  await composer.getByTestId('replying-to').filter({ hasText: 'Hola desde el contacto' }).waitFor(WAIT);
  await composer.getByLabel('Mensaje', { exact: true }).fill('Respuesta desde la consola');
  await composer.getByLabel('Mensaje', { exact: true }).press('Enter');
  const mine = thread.locator('[data-testid=chat-message].mine').filter({ hasText: 'Respuesta desde la consola' });
  await mine.getByTestId('quoted').filter({ hasText: 'Hola desde el contacto' }).waitFor(WAIT);
  await mine.locator('[data-testid=ticks][data-status=read]').waitFor(WAIT);
  expect(await mine.getByTestId('ticks').getAttribute('aria-label')).toBe('Leído');
  expect(await composer.getByTestId('replying-to').count()).toBe(0);
  const mineId = (await mine.getAttribute('data-message-id'))!;
  const ticks: string[] = await page.evaluate((id: string) => (window as any).tickHistory[id], mineId);
  const ORDER = ['pending', 'sent', 'delivered', 'read'];
  expect(ticks.at(-1)).toBe('read');
  expect(ticks.map((x) => ORDER.indexOf(x))).toEqual([...ticks.map((x) => ORDER.indexOf(x))].sort((a, b) => a - b));
  expect(ticks.every((x) => ORDER.includes(x))).toBe(true);
  const received = (await inbox()).messages.find((m: Json) => m.id === mineId);
  expect(received).toMatchObject({ kind: 'text', text: 'Respuesta desde la consola', quotedId: theirId });

  // The contact reacts to the reply; the console reacts to the contact's message, with the keyboard.
  await asContact('reactions', { messageId: mineId, emoji: '👍' });
  await mine.getByTestId('reactions').filter({ hasText: '👍' }).waitFor(WAIT);
  await theirs.getByRole('button', { name: 'Reaccionar' }).press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Reaccionar con ❤️');
  await page.keyboard.press('Enter');
  await theirs.getByTestId('reactions').filter({ hasText: '❤️' }).waitFor(WAIT);
  expect((await inbox()).messages).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'reaction', reaction: { messageId: theirId, emoji: '❤️' } })]));
  await screenshot(page, '22-conversation');

  // The contact edits its message, then sends one more and deletes it for everyone.
  await asContact('edits', { messageId: theirId, text: 'Hola (editado)' });
  await theirs.filter({ hasText: 'Hola (editado)' }).getByTestId('edited-marker').waitFor(WAIT);
  await asContact('messages', { text: 'Esto se borra' });
  const doomed = thread.getByTestId('chat-message').filter({ hasText: 'Esto se borra' });
  await doomed.waitFor(WAIT);
  const doomedId = (await doomed.getAttribute('data-message-id'))!;
  await asContact('revokes', { messageId: doomedId });
  await thread.locator(`[data-message-id="${doomedId}"]`).getByTestId('deleted-marker').filter({ hasText: 'Mensaje eliminado' }).waitFor(WAIT);
  expect(await thread.getByText('Esto se borra').count()).toBe(0);

  // The same contact addressed by its LID: the same chat and conversation (the API merges PN and LID).
  await asContact('messages', { text: 'Por LID', addressing: 'lid' });
  await thread.getByTestId('chat-message').filter({ hasText: 'Por LID' }).waitFor(WAIT);
  await row.filter({ hasText: 'Por LID' }).waitFor(WAIT);
  expect(await card.getByTestId('chat-row').count()).toBe(1);

  // Received media: the message shows its kind and caption.
  const image = await png(32, 24);
  await asContact('messages', { media: { kind: 'image', mimetype: 'image/png', data: image.toString('base64'), caption: 'Una foto' } });
  await thread.getByTestId('chat-message').filter({ hasText: 'Una foto' }).locator('[data-testid=message-media][data-kind=image]').waitFor(WAIT);
  await screenshot(page, '23-edit-delete-media');

  // An attachment: uploaded with POST media, then sent with its mediaId.
  await composer.locator('input[type=file]').setInputFiles({ name: 'foto.png', mimeType: 'image/png', buffer: image });
  await composer.getByTestId('attachment').filter({ hasText: 'foto.png' }).waitFor(WAIT);
  const uploaded = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/media', WAIT);
  const sent = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/messages'), WAIT);
  await composer.getByRole('button', { name: 'Enviar' }).click();
  const upload = await uploaded;
  expect(upload.status()).toBe(201);
  const media = (await upload.json()) as Json;
  expect(media).toMatchObject({ kind: 'image', mime: 'image/png', size: image.length });
  const send = await sent;
  expect(send.request().postDataJSON()).toEqual({ mediaId: media.id });
  expect(send.status()).toBe(201);
  // The sent image is previewed from its stored bytes (fetched with the token into a blob URL).
  const preview = thread.locator('[data-testid=message-media][data-kind=image]').nth(1).locator('img');
  await preview.waitFor(WAIT);
  expect(await preview.getAttribute('src')).toMatch(/^blob:/);
  expect(await preview.evaluate(async (img: Img) => (await img.decode(), [img.naturalWidth, img.naturalHeight]))).toEqual([32, 24]);
  expect(await composer.getByTestId('attachment').count()).toBe(0);

  // With download-media on, a received image is previewed once its download is stored (session.messages.media).
  expect((await call(h.t, 'POST', '/config/download-media', { token, body: { enabled: true } })).body.enabled).toBe(true);
  await asContact('messages', { media: { kind: 'image', mimetype: 'image/png', data: (await png(40, 30)).toString('base64'), caption: 'Otra foto' } });
  const downloaded = thread.getByTestId('chat-message').filter({ hasText: 'Otra foto' }).locator('[data-testid=message-media][data-kind=image] img');
  await downloaded.waitFor(WAIT);
  expect(await downloaded.getAttribute('src')).toMatch(/^blob:/);
  expect(await downloaded.evaluate(async (img: Img) => (await img.decode(), [img.naturalWidth, img.naturalHeight]))).toEqual([40, 30]);
});

it('scrolls back through a three-page history without repeating or skipping a message, on a phone-sized screen', async () => {
  const page = await (await h.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  const phone = uniquePhone();
  const PER_CHAT = 130;
  const { sessionId, token } = await startLinking(page);
  // Baileys reports the sync complete before it flushes the buffered history: wait for every message stored.
  let stored = 0;
  const allStored = new Promise<void>((resolve) => {
    const off = h.t.app.get(DomainEvents).onCommit('session.history.sync', (e) => {
      if (e.sessionId !== sessionId) return;
      stored += e.payload.status === 'running' ? e.payload.messagesCount : 0;
      if (stored >= PER_CHAT) {
        off();
        resolve();
      }
    });
  });
  await sandboxScan(h.t, token, sessionId, phone, { history: { chats: 1, messagesPerChat: PER_CHAT } });
  const card = await closeConnected(page, phone);
  await allStored;

  const rows = card.getByTestId('chat-row');
  await rows.first().waitFor(WAIT);
  await rows.first().click();
  const thread = card.getByTestId('thread');
  const bubbles = thread.getByTestId('chat-message');
  const count = (n: number) => page.waitForFunction((want: number) => document.querySelectorAll('[data-testid=thread] [data-testid=chat-message]').length >= want, n, WAIT);
  await count(50);
  expect(await bubbles.count()).toBe(50);
  await screenshot(page, '24-history-first-page');

  await thread.evaluate((el: any) => { el.scrollTop = 0; });
  await count(100);
  await thread.evaluate((el: any) => { el.scrollTop = 0; });
  await count(PER_CHAT);
  await thread.getByTestId('thread-start').waitFor(WAIT);

  const shown = await bubbles.evaluateAll((els: any[]) => els.map((el) => ({ id: el.dataset.messageId, at: el.querySelector('time').dateTime })));
  expect(shown).toHaveLength(PER_CHAT);
  expect(new Set(shown.map((m) => m.id)).size).toBe(PER_CHAT);
  const times = shown.map((m) => Date.parse(m.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  await screenshot(page, '25-history-start');

  // One column on a phone: the open conversation replaces the list, and "back" brings the list again.
  expect(await rows.first().isVisible()).toBe(false);
  await card.getByRole('button', { name: 'Volver a los chats' }).click();
  await rows.first().waitFor({ state: 'visible', ...WAIT });
  expect(await card.getByTestId('conversation').count()).toBe(0);
});

it('reconnects by itself after the socket drops and shows what arrived meanwhile', async () => {
  const page = await h.context.newPage();
  // The page's Socket.io traffic passes through the test, which can cut it (and keep it cut) at will.
  let offline = false;
  const open: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (offline) return ws.close();
    open.push(ws, ws.connectToServer());
  });
  await page.route('**/socket.io/**', (route) => (offline ? route.abort() : route.continue()));

  const phone = uniquePhone();
  const contact = uniquePhone();
  const { sessionId, token } = await startLinking(page);
  await sandboxScan(h.t, token, sessionId, phone);
  const card = await closeConnected(page, phone);
  await card.getByTestId('chats').getByText('Todavía no hay chats.').waitFor(WAIT);
  // An incoming call shows as a toast while it rings; "Rechazar" declines it for the caller.
  const rang = await call(h.t, 'POST', `/sandbox/contacts/${contact}/calls`, { token, body: { to: phone, ringSeconds: 60 } });
  const toast = page.getByTestId('call-toast').filter({ hasText: `+${contact}` });
  await toast.waitFor(WAIT);
  await toast.getByRole('button', { name: 'Rechazar' }).click();
  await toast.waitFor({ ...WAIT, state: 'detached' });
  const seen = await call(h.t, 'GET', `/sandbox/contacts/${contact}/calls`, { token });
  expect(seen.body.data).toEqual([expect.objectContaining({ callId: rang.body.callId, status: 'rejected' })]);

  offline = true;
  await Promise.all(open.splice(0).map((ws) => ws.close()));
  await page.getByTestId('live').filter({ hasText: 'Reconectando…' }).waitFor(WAIT);
  const stored = nextEvent(h.t, 'session.messages.upsert', (e) => e.sessionId === sessionId);
  const sent = await call(h.t, 'POST', `/sandbox/contacts/${contact}/messages`, { token, body: { to: phone, text: 'Mientras no estabas' } });
  expect(sent.status).toBe(200);
  await stored;
  expect(await card.getByTestId('chat-row').count()).toBe(0);
  await screenshot(page, '26-reconnecting');

  offline = false;
  await page.getByTestId('live').filter({ hasText: 'En vivo' }).waitFor(WAIT);
  await card.getByTestId('chat-row').filter({ hasText: 'Mientras no estabas' }).waitFor(WAIT);
  await screenshot(page, '27-reconnected');
});
