/**
 * The inbound journal for group messages: Baileys decrypts a member's `skmsg` through the
 * sender-key path and acknowledges it to WhatsApp before it emits it. The app is SIGKILLed in
 * exactly that window (its commit held by a table lock until the receipt has gone out), and a new
 * instance must still store and call back the group message, with its sender and its group.
 */
import { gidJid } from '../../src/simulator/groups/group-store.js';
import { waitUntil } from '../support/callback-receiver.js';
import { useJournalCrash } from '../support/journal-crash.js';
import { uniquePhone } from '../support/sessions-harness.js';

const TEXT = 'group message acknowledged, then the crash';

describe('a group message acknowledged just before a crash', () => {
  const h = useJournalCrash('group_journal');

  it('is stored and called back by the next instance, with its sender and group', async () => {
    const { receiver, sim, pool } = h;
    const { app, phone, sessionId } = await h.startPaired('group-journal@example.com');

    const [owner, member] = [uniquePhone(), uniquePhone()];
    const { group: created } = sim.groups.create(owner, 'Crash', [phone, member]);
    const group = { id: gidJid(created.id) };
    await waitUntil(async () => (await pool.query('SELECT 1 FROM wa_groups WHERE session_id = $1 AND jid = $2', [sessionId, group.id])).rowCount === 1, 20_000, 'the group stored');

    const messageId = await h.crashAfterReceipt(app, phone, () => sim.groups.members.send(member, group.id, { text: TEXT }));
    const journaled = await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1 AND message_id = $2', [sessionId, messageId]);
    expect(journaled.rowCount).toBeGreaterThanOrEqual(1);
    expect((await pool.query('SELECT 1 FROM wa_messages WHERE session_id = $1 AND wa_id = $2', [sessionId, messageId])).rowCount).toBe(0);

    await h.restart();
    await receiver.waitFor(
      (r) => r.delivered.some((c) => c.path.endsWith('/messages/received') && c.body.message_content === TEXT),
      30_000, 'the recovered group message called back',
    );
    const received = receiver.delivered.filter((c) => c.path.endsWith('/messages/received') && c.body.session_id === sessionId && c.body.message_content === TEXT);
    expect(received).toHaveLength(1);
    expect(received[0].body).toMatchObject({ sender_number: member, chat_jid: group.id, is_group: true, group_subject: 'Crash' });
    const stored = await pool.query('SELECT sender_phone FROM wa_messages WHERE session_id = $1 AND wa_id = $2', [sessionId, messageId]);
    expect(stored.rows).toEqual([{ sender_phone: member }]);
    await waitUntil(async () => (await pool.query('SELECT 1 FROM wa_inbound_journal WHERE session_id = $1', [sessionId])).rowCount === 0, 10_000, 'the journal released');
  });
});
