/**
 * The console's contacts and chat actions in real Chromium against the running app in sandbox mode
 * (real Baileys against the simulator): a contact with a picture shows it in the chat list and the
 * conversation (one without shows its initial); its profile panel shows its about text; blocking
 * from the panel puts it on the account's blocklist on WhatsApp and unblocking from "Bloqueados"
 * takes it off; pin, mute, mark unread, archive and delete from a chat's menu change the list and
 * what WhatsApp's app state and the API say; the phone's own changes show live. The test plays the
 * contacts and the phone over the sandbox API; every wait is on what the page shows.
 */
import type { Locator } from 'playwright-core';
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call, type Json } from '../support/auth-helpers.js';
import { screenshot } from '../support/browser.js';
import { WAIT, signUpInPage, tokenOf, useSandboxConsole } from '../support/console-page.js';
import { png } from '../support/media-fixtures.js';
import { linkSandboxSession, nextEvent, uniquePhone } from '../support/sessions-harness.js';

/** The page's <img> (the tests are type-checked without the DOM lib). */
type Img = { decode(): Promise<void>; naturalWidth: number; naturalHeight: number };

// The simulator's CDN (pictures) has a self-signed certificate (WhatsApp's own is trusted by any browser).
const h = useSandboxConsole({ viewport: { width: 1180, height: 900 }, ignoreHTTPSErrors: true });

const sim = () => h.t.app.get(SandboxService).simulator;
const jidOf = (phone: string): string => `${phone}@s.whatsapp.net`;

it('pictures, the profile panel, block and unblock, and archive/pin/mute/unread/delete from the list, following the phone live', async () => {
  const page = await h.context.newPage();
  const email = await signUpInPage(page, h.t.baseUrl);
  const token = await tokenOf(h.t, email);
  const session = await linkSandboxSession(h.t, token);
  const card = page.locator(`[data-session-id="${session.id}"]`);
  const kim = uniquePhone();
  const leo = uniquePhone();
  const picture = await png(64, 64);
  const declared = await call(h.t, 'POST', '/sandbox/contacts', { token, body: { phone: kim, name: 'Kim', about: 'Ocupado', picture: picture.toString('base64') } });
  expect(declared.status).toBe(200);
  const kimLid = declared.body.lid as string;
  for (const [from, text] of [[kim, 'Hola, soy Kim'], [leo, 'Hola, soy Leo']]) {
    const received = nextEvent(h.t, 'session.message.received', (e) => e.sessionId === session.id && e.payload.text === text);
    expect((await call(h.t, 'POST', `/sandbox/contacts/${from}/messages`, { token, body: { to: session.phone, text } })).status).toBe(200);
    await received;
  }
  const item = (phone: string): Locator => card.locator(`[data-testid=chat-item][data-jid="${jidOf(phone)}"]`);
  const mainList = card.locator('ul.chat-rows').first();
  const menu = async (phone: string, action: string): Promise<void> => {
    await item(phone).getByTestId('chat-menu').locator('summary').click();
    await item(phone).getByTestId('chat-menu').getByRole('button', { name: action, exact: true }).click();
  };
  const chatOf = async (phone: string): Promise<Json | undefined> =>
    ((await call(h.t, 'GET', `/chats?sessionId=${session.id}`, { token })).body.data as Json[]).find((c) => c.jid === jidOf(phone));
  const mutation = (index0: string, phone: string) =>
    sim().waitFor('appState', (m) => m.phoneNumber === session.phone && m.source === 'session' && m.index[0] === index0 && m.index[1] === jidOf(phone));

  // Kim's picture (from its profile's pictureUrl) in the list; Leo has none: its initial.
  const kimPicture = item(kim).getByTestId('avatar-picture');
  await kimPicture.waitFor(WAIT);
  expect(await kimPicture.evaluate(async (img: Img) => (await img.decode(), [img.naturalWidth, img.naturalHeight]))).toEqual([64, 64]);
  await item(leo).getByTestId('avatar-initial').waitFor(WAIT);
  expect(await item(leo).getByTestId('avatar-picture').count()).toBe(0);

  // The conversation's header has it too, and the profile panel shows the about text; "Bloquear" blocks on WhatsApp.
  await item(kim).getByTestId('chat-row').click();
  const conversation = card.getByTestId('conversation');
  await conversation.getByTestId('avatar-picture').waitFor(WAIT);
  await conversation.getByRole('button', { name: 'Ver perfil' }).click();
  const panel = page.getByTestId('contact-panel');
  await panel.getByTestId('contact-about').filter({ hasText: 'Ocupado' }).waitFor(WAIT);
  expect(await panel.getByTestId('contact-phone').textContent()).toBe(`+${kim}`);
  expect(await panel.getByTestId('contact-business').textContent()).toBe('personal');
  await panel.getByTestId('avatar-picture').waitFor(WAIT);
  const blocked = sim().waitFor('blocklist', (b) => b.phoneNumber === session.phone && b.blocklist.includes(kimLid));
  await panel.getByRole('button', { name: 'Bloquear' }).click();
  await panel.getByRole('button', { name: 'Desbloquear' }).waitFor(WAIT);
  await blocked;
  expect((await call(h.t, 'GET', `/contacts/blocklist?sessionId=${session.id}`, { token })).body.data).toEqual([expect.objectContaining({ jid: jidOf(kim), lidJid: kimLid })]);
  await screenshot(page, '50-contact-profile');
  await panel.getByRole('button', { name: 'Cerrar' }).click();
  await panel.waitFor({ ...WAIT, state: 'detached' });

  // "Bloqueados" lists it, with "Desbloquear".
  const blocklist = card.getByTestId('blocklist');
  await blocklist.locator('summary').click();
  const row = blocklist.getByTestId('blocked-contact').filter({ hasText: `+${kim}` });
  await row.waitFor(WAIT);
  const unblocked = sim().waitFor('blocklist', (b) => b.phoneNumber === session.phone && b.blocklist.length === 0);
  await row.getByRole('button', { name: 'Desbloquear' }).click();
  await blocklist.getByText('No hay contactos bloqueados.').waitFor(WAIT);
  await unblocked;
  expect((await call(h.t, 'GET', `/contacts/blocklist?sessionId=${session.id}`, { token })).body.data).toEqual([]);

  // A chat's menu closes with Escape (focus back on its button) and with a click elsewhere.
  const kimMenu = item(kim).getByTestId('chat-menu');
  const leoMenu = item(leo).getByTestId('chat-menu');
  await kimMenu.locator('summary').click();
  await kimMenu.getByRole('button', { name: 'Archivar', exact: true }).waitFor(WAIT);
  await page.keyboard.press('Escape');
  await kimMenu.getByRole('button', { name: 'Archivar', exact: true }).waitFor({ ...WAIT, state: 'hidden' });
  expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute('aria-label')))
    .toBe(`Acciones del chat +${kim}`);
  await leoMenu.locator('summary').click();
  await leoMenu.getByRole('button', { name: 'Fijar', exact: true }).waitFor(WAIT);
  await card.locator('.chat-list h3').click();
  await leoMenu.getByRole('button', { name: 'Fijar', exact: true }).waitFor({ ...WAIT, state: 'hidden' });

  // Pin Leo: first in the list with 📌, pinned on WhatsApp and in the API.
  const pinned = mutation('pin_v1', leo);
  await menu(leo, 'Fijar');
  await item(leo).getByTestId('pinned').waitFor(WAIT);
  expect(await mainList.getByTestId('chat-item').first().getAttribute('data-jid')).toBe(jidOf(leo));
  expect((await pinned).value).toMatchObject({ pinAction: { pinned: true } });
  expect(await chatOf(leo)).toMatchObject({ pinned: true });

  // Mute Kim for 8 hours: 🔇, muted on WhatsApp and in the API.
  const muted = mutation('mute', kim);
  await menu(kim, 'Silenciar 8 horas');
  await item(kim).getByTestId('muted').waitFor(WAIT);
  expect((await muted).value).toMatchObject({ muteAction: { muted: true } });
  expect((await chatOf(kim))!.mutedUntil).toBeGreaterThan(Date.now() / 1000 + 7 * 3600);

  // Mark Leo (never opened) read, then unread again: its badge goes and comes back, WhatsApp records both.
  await item(leo).getByTestId('unread').waitFor(WAIT);
  const read = mutation('markChatAsRead', leo);
  await menu(leo, 'Marcar como leído');
  await item(leo).getByTestId('unread').waitFor({ ...WAIT, state: 'detached' });
  expect((await read).value).toMatchObject({ markChatAsReadAction: { read: true } });
  const unread = mutation('markChatAsRead', leo);
  await menu(leo, 'Marcar como no leído');
  await item(leo).getByTestId('unread').waitFor(WAIT);
  expect((await unread).value).toMatchObject({ markChatAsReadAction: { read: false } });

  // Archive Kim: it leaves the list for "Archivados", archived on WhatsApp and in the API.
  const archived = mutation('archive', kim);
  await menu(kim, 'Archivar');
  const archive = card.getByTestId('archived');
  await archive.locator(':scope > summary').filter({ hasText: 'Archivados (1)' }).waitFor(WAIT);
  expect(await mainList.locator(`[data-jid="${jidOf(kim)}"]`).count()).toBe(0);
  expect((await archived).value).toMatchObject({ archiveChatAction: { archived: true } });
  expect(await chatOf(kim)).toMatchObject({ archived: true });
  await archive.locator(':scope > summary').click();
  await archive.locator(`[data-testid=chat-item][data-jid="${jidOf(kim)}"]`).waitFor(WAIT);
  await screenshot(page, '51-chat-actions');

  // The phone unarchives Kim, pins it and unmutes it: the list follows live (session.chats.update).
  const fromPhone = await call(h.t, 'POST', `/sandbox/phones/${session.phone}/app-state`, {
    token, body: { archive: [{ phoneNumber: kim, archived: false }], pin: [{ phoneNumber: kim, pinned: true }], mute: [{ phoneNumber: kim, muted: false }] },
  });
  expect(fromPhone.status).toBe(200);
  await mainList.locator(`[data-testid=chat-item][data-jid="${jidOf(kim)}"][data-pinned="true"][data-muted="false"][data-archived="false"]`).waitFor(WAIT);
  await archive.waitFor({ ...WAIT, state: 'detached' });
  expect(await chatOf(kim)).toMatchObject({ archived: false, pinned: true, mutedUntil: null });

  // Delete Leo (confirmed): gone from the list, from WhatsApp's app state and from the API.
  const deleted = mutation('deleteChat', leo);
  await menu(leo, 'Eliminar chat');
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Sí, continuar' }).click();
  await item(leo).waitFor({ ...WAIT, state: 'detached' });
  await deleted;
  expect(await chatOf(leo)).toBeUndefined();
  await screenshot(page, '52-chat-list-after-phone');
});

it("the account's own profile from its card: name and about, a picture uploaded and removed", async () => {
  const page = await h.context.newPage();
  const email = await signUpInPage(page, h.t.baseUrl);
  const session = await linkSandboxSession(h.t, await tokenOf(h.t, email));
  const panel = page.locator(`[data-session-id="${session.id}"]`).getByTestId('own-profile');
  await panel.locator(':scope > summary').click();
  await panel.getByLabel('Nombre de perfil').fill('Soporte');
  await panel.getByLabel('Info').fill('Atendemos de 9 a 18');
  const named = sim().waitFor('appState', (m) => m.phoneNumber === session.phone && m.index[0] === 'setting_pushName');
  await panel.getByRole('button', { name: 'Guardar perfil' }).click();
  await panel.getByText('Guardado.').waitFor(WAIT);
  expect((await named).value).toMatchObject({ pushNameSetting: { name: 'Soporte' } });
  expect(sim().profileOf(session.phone).about).toBe('Atendemos de 9 a 18');

  await panel.getByLabel('Foto de perfil (imagen)').setInputFiles({ name: 'yo.png', mimeType: 'image/png', buffer: await png(800, 600) });
  const own = panel.getByTestId('own-picture');
  await own.waitFor(WAIT);
  const stored = sim().profileOf(session.phone).picture!;
  expect(await own.getAttribute('src')).toBe(stored.url);
  // WhatsApp got it cropped and scaled to a square JPEG.
  expect(await own.evaluate(async (img: Img) => (await img.decode(), img.naturalWidth === img.naturalHeight))).toBe(true);
  await screenshot(page, '53-own-profile');
  await panel.getByRole('button', { name: 'Quitar foto' }).click();
  await own.waitFor({ ...WAIT, state: 'detached' });
  expect(sim().profileOf(session.phone).picture).toBeUndefined();
});
