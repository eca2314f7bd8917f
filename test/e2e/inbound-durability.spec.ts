/**
 * Baileys acknowledges an inbound message to WhatsApp before it emits it. The app is SIGKILLed in
 * exactly that window (its commit is held by a table lock until the receipt has gone out), and a
 * new instance must still store and call back the message: WhatsApp will never send it again.
 */
import { waitUntil } from '../support/callback-receiver.js';
import { useJournalCrash } from '../support/journal-crash.js';
import { uniquePhone } from '../support/sessions-harness.js';

describe('an inbound message acknowledged just before a crash', () => {
  const h = useJournalCrash('journal');

  it('is stored and called back by the next instance', async () => {
    const { receiver, sim, pool } = h;
    const { app, phone, sessionId } = await h.startPaired('journal@example.com');
    const contactPhone = uniquePhone();
    const messageId = await h.crashAfterReceipt(app, phone, () => sim.contact(contactPhone).sendText(phone, 'acknowledged, then the crash'));
    const journaled = await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1 AND message_id = $2', [sessionId, messageId]);
    expect(journaled.rowCount).toBe(1);
    expect(receiver.delivered.some((r) => r.body.message_content === 'acknowledged, then the crash')).toBe(false);

    await h.restart();
    await receiver.waitFor(
      (r) => r.delivered.some((c) => c.path.endsWith('/messages/received') && c.body.message_content === 'acknowledged, then the crash'),
      30_000, 'the recovered message called back',
    );
    const received = receiver.delivered.filter((c) => c.path.endsWith('/messages/received') && c.body.session_id === sessionId);
    expect(received).toHaveLength(1);
    expect(received[0].body.sender_number).toBe(contactPhone);
    await waitUntil(async () => (await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1', [sessionId])).rowCount === 0, 10_000, 'the journal released');
  });
});
