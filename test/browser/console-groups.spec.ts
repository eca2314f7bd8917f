/**
 * The console's groups in real Chromium against the running app in sandbox mode (real Baileys
 * against the simulator): a group created from the page ("Nuevo grupo") is listed with its subject
 * and a group marker; a member's message (sandbox API) shows with the member's name and its mention
 * of the session highlighted; the participants panel marks the creator, adds and removes a
 * participant (WhatsApp and the API see both) and follows a change made elsewhere live
 * (`session.groups.participants`); "@" in the composer offers the participants and the send
 * carries the mention, which the member's phone receives. Every wait is on what the page shows or
 * on the simulator's own events.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call } from '../support/auth-helpers.js';
import { screenshot } from '../support/browser.js';
import { WAIT, signUpInPage, tokenOf, useSandboxConsole } from '../support/console-page.js';
import { linkSandboxSession, uniquePhone } from '../support/sessions-harness.js';

const h = useSandboxConsole({ viewport: { width: 1280, height: 1000 } });

const sim = () => h.t.app.get(SandboxService).simulator;
/** The phones of a group's members as WhatsApp (the simulator) has them. */
const simMembers = (jid: string): string[] => sim().groups.get(jid)!.participants.map((p) => p.phone).sort();

it('creates a group, shows a member writing, manages its participants live, and sends a mention', async () => {
  const page = await h.context.newPage();
  const email = await signUpInPage(page, h.t.baseUrl);
  const token = await tokenOf(h.t, email);
  const session = await linkSandboxSession(h.t, token);
  const [bob, carol, dave, erin] = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
  sim().contact(bob, { pushName: 'Beto' });
  const card = page.locator(`[data-session-id="${session.id}"]`);
  const chats = card.getByTestId('chats');

  // "Nuevo grupo": a subject and two numbers; the new group is listed with its subject and opens.
  await chats.getByRole('button', { name: 'Nuevo grupo' }).click();
  const form = chats.getByTestId('new-group-form');
  await form.getByLabel('Nombre del grupo').fill('Asado del sábado');
  await form.getByLabel('Números de los participantes').fill(`+${bob}\n${carol}`);
  await form.getByRole('button', { name: 'Crear grupo' }).click();
  const row = chats.getByTestId('chat-row').filter({ hasText: 'Asado del sábado' });
  await row.getByTestId('group-mark').waitFor(WAIT);
  const jid = (await row.getAttribute('data-jid'))!;
  expect(jid).toMatch(/@g\.us$/);
  const conversation = chats.getByTestId('conversation');
  await conversation.getByRole('heading', { name: 'Asado del sábado' }).waitFor(WAIT);
  expect(simMembers(jid)).toEqual([bob, carol, session.phone].sort());
  const listed = await call(h.t, 'GET', `/groups?sessionId=${session.id}`, { token });
  expect(listed.body.data).toEqual([expect.objectContaining({ jid, subject: 'Asado del sábado', iAmAdmin: true })]);

  // A member writes (sender keys, through the simulator): the bubble names the sender and highlights the session's mention.
  const wrote = await call(h.t, 'POST', `/sandbox/groups/${jid}/messages`, { token, body: { from: bob, text: `Hola @${session.phone}, ¿llevás el carbón?`, mentions: [session.phone] } });
  expect(wrote.status).toBe(200);
  const bubble = conversation.getByTestId('chat-message').filter({ hasText: '¿llevás el carbón?' });
  await bubble.locator('.sender').filter({ hasText: 'Beto' }).waitFor(WAIT);
  expect(await bubble.getByTestId('mention').textContent()).toBe(`@${session.phone}`);
  await call(h.t, 'POST', `/sandbox/groups/${jid}/messages`, { token, body: { from: carol, text: 'yo llevo el pan' } });
  // A member without a push name is shown by number.
  await conversation.getByTestId('chat-message').filter({ hasText: 'yo llevo el pan' }).locator('.sender').filter({ hasText: `+${carol}` }).waitFor(WAIT);
  // The group now has a chat (its messages) and is listed once, still with its subject.
  await row.getByText('yo llevo el pan').waitFor(WAIT);
  expect(await chats.getByTestId('chat-row').filter({ hasText: 'Asado del sábado' }).count()).toBe(1);

  // The participants panel: the session is the creator (superadmin), the others plain members.
  await conversation.getByTestId('participants-toggle').click();
  const panel = conversation.getByTestId('participants-panel');
  const participant = (phone: string) => panel.locator(`[data-testid="participant"][data-phone="${phone}"]`);
  await participant(session.phone).filter({ hasText: 'Tú' }).getByTestId('participant-role').filter({ hasText: 'Creador · admin' }).waitFor(WAIT);
  // A member is named by the push name they wrote with, beside the number.
  await participant(bob).filter({ hasText: `Beto · +${bob}` }).waitFor(WAIT);
  expect(await participant(bob).getByTestId('participant-role').count()).toBe(0);
  expect(await panel.getByTestId('participant').count()).toBe(3);

  // Add by number: WhatsApp (the simulator) and the API have the new member, and so does the page.
  await panel.getByLabel('Añadir participante').fill(`+${dave}`);
  await panel.getByRole('button', { name: 'Añadir', exact: true }).click();
  await participant(dave).waitFor(WAIT);
  expect(simMembers(jid)).toEqual([bob, carol, dave, session.phone].sort());
  const read = await call(h.t, 'GET', `/groups/${jid}?sessionId=${session.id}`, { token });
  expect(read.body.participants.map((p: { phone: string }) => p.phone).sort()).toEqual([bob, carol, dave, session.phone].sort());
  // Adding someone already in the group: WhatsApp's answer in words.
  await panel.getByLabel('Añadir participante').fill(bob);
  await panel.getByRole('button', { name: 'Añadir', exact: true }).click();
  await panel.getByTestId('participants-notice').filter({ hasText: `+${bob}: ya es participante` }).waitFor(WAIT);

  // Remove, after the confirmation.
  await participant(dave).getByRole('button', { name: 'Quitar' }).click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Sí, continuar' }).click();
  await participant(dave).waitFor({ ...WAIT, state: 'detached' });
  expect(simMembers(jid)).toEqual([bob, carol, session.phone].sort());
  const after = await call(h.t, 'GET', `/groups/${jid}?sessionId=${session.id}`, { token });
  expect(after.body.participants.map((p: { phone: string }) => p.phone)).not.toContain(dave);

  // A change made elsewhere (another client of the API) arrives live through session.groups.participants.
  const added = await call(h.t, 'POST', `/groups/${jid}/participants?sessionId=${session.id}`, { token, body: { action: 'add', participants: [erin] } });
  expect(added.body.data).toEqual([expect.objectContaining({ phone: erin, status: 200 })]);
  await participant(erin).waitFor(WAIT);
  await conversation.getByTestId('participants-toggle').filter({ hasText: 'Participantes (4)' }).waitFor(WAIT);

  // "@" offers the participants (not the session itself); the send carries the mention and the @number.
  const composer = conversation.getByTestId('composer');
  const text = composer.getByLabel('Mensaje');
  await text.pressSequentially(`Dale @${carol.slice(0, 4)}`);
  const picker = composer.getByTestId('mention-picker');
  expect(await picker.getByRole('button', { name: `@+${session.phone}` }).count()).toBe(0);
  await picker.getByRole('button', { name: `@+${bob} Beto` }).waitFor(WAIT);
  await picker.getByRole('button', { name: `@+${carol}` }).click();
  expect(await text.inputValue()).toBe(`Dale @${carol} `);
  await text.pressSequentially('traé hielo');
  const decoded = sim().waitFor('groupMessage', (m) => m.group === jid && m.text === `Dale @${carol} traé hielo` && m.decryptedBy.includes(carol));
  await composer.getByRole('button', { name: 'Enviar' }).click();
  expect((await decoded).mentions).toEqual([carol]);
  const inbox = await call(h.t, 'GET', `/sandbox/groups/${jid}/inbox?member=${carol}`, { token });
  expect(inbox.body.messages).toEqual([expect.objectContaining({ from: session.phone, text: `Dale @${carol} traé hielo`, mentions: [carol] })]);
  // The sent bubble highlights the mention too.
  const mine = conversation.getByTestId('chat-message').filter({ hasText: 'traé hielo' });
  await mine.getByTestId('mention').filter({ hasText: `@${carol}` }).waitFor(WAIT);
  await screenshot(page, '50-group-conversation');
});

it("a contact's group appears live, and a plain member sees the participants without the admin actions", async () => {
  const page = await h.context.newPage();
  const email = await signUpInPage(page, h.t.baseUrl);
  const token = await tokenOf(h.t, email);
  const session = await linkSandboxSession(h.t, token);
  const [owner, bob] = [uniquePhone(), uniquePhone()];
  const chats = page.locator(`[data-session-id="${session.id}"]`).getByTestId('chats');
  await chats.getByText('Todavía no hay chats.').waitFor(WAIT);

  // The group reaches the page through session.groups.upsert: no message in it yet, no reload.
  const created = await call(h.t, 'POST', '/sandbox/groups', { token, body: { owner, subject: 'Vecinos', participants: [session.phone, bob] } });
  expect(created.status).toBe(200);
  const row = chats.getByTestId('chat-row').filter({ hasText: 'Vecinos' });
  await row.getByTestId('group-mark').waitFor(WAIT);
  await row.click();
  const conversation = chats.getByTestId('conversation');
  await conversation.getByTestId('participants-toggle').filter({ hasText: 'Participantes (3)' }).click();
  const panel = conversation.getByTestId('participants-panel');
  await panel.locator(`[data-testid="participant"][data-phone="${owner}"]`).getByTestId('participant-role').filter({ hasText: 'Creador · admin' }).waitFor(WAIT);
  await panel.locator(`[data-testid="participant"][data-phone="${session.phone}"]`).filter({ hasText: 'Tú' }).waitFor(WAIT);
  expect(await panel.getByRole('button', { name: 'Quitar' }).count()).toBe(0);
  expect(await panel.getByLabel('Añadir participante').count()).toBe(0);

  // The owner makes the session an admin: the panel follows (session.groups.participants) and offers the admin actions.
  await call(h.t, 'POST', `/sandbox/groups/${created.body.jid}/participants`, { token, body: { actor: owner, action: 'promote', participants: [session.phone] } });
  await panel.locator(`[data-testid="participant"][data-phone="${session.phone}"]`).getByTestId('participant-role').filter({ hasText: 'Admin' }).waitFor(WAIT);
  await panel.getByLabel('Añadir participante').waitFor(WAIT);
  await panel.locator(`[data-testid="participant"][data-phone="${bob}"]`).getByRole('button', { name: 'Quitar' }).waitFor(WAIT);
  expect(await panel.locator(`[data-testid="participant"][data-phone="${owner}"]`).getByRole('button', { name: 'Quitar' }).count()).toBe(0);
  await screenshot(page, '51-group-participants');
});
