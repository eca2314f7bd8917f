/**
 * The console's pacing in real Chromium against the running app in sandbox mode: a connected
 * session's "Envío pausado" is switched on from its card, the sends the test queues over the API
 * appear in the card's queue as they are queued, one is cancelled from the page, and the others
 * leave the list once pacing is switched off (they go at once). Every wait is on what the page shows.
 */
import { SandboxService } from '../../src/sandbox/sandbox.service.js';
import { call } from '../support/auth-helpers.js';
import { screenshot } from '../support/browser.js';
import { WAIT, signUpInPage, tokenOf, useSandboxConsole } from '../support/console-page.js';
import { linkSandboxSession, uniquePhone } from '../support/sessions-harness.js';

const h = useSandboxConsole({ viewport: { width: 1180, height: 900 } });

it('switches pacing on, shows the queue live, cancels a send, and switches it off', async () => {
  const page = await h.context.newPage();
  const email = await signUpInPage(page, h.t.baseUrl);
  const token = await tokenOf(h.t, email);
  const session = await linkSandboxSession(h.t, token);
  const card = page.locator(`[data-session-id="${session.id}"]`);
  const panel = card.getByTestId('pacing-panel');
  await panel.getByText('Envío pausado: desactivado').click();
  await panel.getByLabel('Pausa mínima (ms)').fill('60000');
  await panel.getByLabel('Pausa máxima (ms)').fill('60000');
  await panel.getByLabel('Mostrar «escribiendo…»').uncheck();
  await panel.getByRole('button', { name: 'Guardar' }).click();
  await panel.getByText('Envío pausado: cada 60000–60000 ms').waitFor(WAIT);
  expect((await call(h.t, 'GET', `/sessions/${session.id}`, { token })).body.data.pacing).toEqual({ minIntervalMs: 60000, maxIntervalMs: 60000, typing: false });

  const contact = uniquePhone();
  const queue = panel.getByTestId('send-queue');
  const send = async (text: string) => {
    const res = await call(h.t, 'POST', `/sessions/${session.id}/messages`, { token, body: { to: contact, text } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  // The first goes at once (no send before it); the next two wait a minute each.
  await send('primero');
  const second = await send('segundo');
  await send('tercero');
  await queue.getByTestId('queue-item').filter({ hasText: 'tercero' }).waitFor(WAIT);
  await queue.getByTestId('queue-item').filter({ hasText: 'segundo' }).filter({ hasText: 'en cola' }).waitFor(WAIT);
  await screenshot(page, '40-send-queue');

  await queue.getByTestId('queue-item').filter({ hasText: 'segundo' }).getByRole('button', { name: 'Cancelar envío' }).click();
  await queue.getByTestId('queue-item').filter({ hasText: 'segundo' }).waitFor({ ...WAIT, state: 'detached' });
  const all = await call(h.t, 'GET', `/sessions/${session.id}/queue?all=true`, { token });
  expect(all.body.data.find((i: { id: string }) => i.id === second).status).toBe('cancelled');

  await panel.getByRole('button', { name: 'Desactivar' }).click();
  await panel.getByText('Envío pausado: desactivado').waitFor(WAIT);
  const inbox = async () => (await call(h.t, 'GET', `/sandbox/contacts/${contact}/inbox?from=${session.phone}`, { token })).body.messages.map((m: { text: string }) => m.text);
  // Pacing off: what was still queued goes at once, and the cancelled one never does.
  await h.t.app.get(SandboxService).simulator.waitForSentMessage((m) => m.text === 'tercero' && m.decryptedBy.includes('contact'), 20_000);
  expect(await inbox()).toEqual(['primero', 'tercero']);
});
