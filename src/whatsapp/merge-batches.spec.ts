import type { BaileysEventMap, WAMessage } from '@whiskeysockets/baileys';
import { mergeBatches } from './whatsapp-connection.js';

const msg = (id: string): WAMessage => ({ key: { id, remoteJid: '5491100000001@s.whatsapp.net', fromMe: false }, message: { conversation: id } });
const upsert = (type: 'notify' | 'append', ...ids: string[]): Partial<BaileysEventMap> => ({ 'messages.upsert': { type, messages: ids.map(msg) } });

describe('mergeBatches', () => {
  it('joins message batches of one type in arrival order, with their push names and updates', () => {
    const target = upsert('notify', 'A');
    expect(mergeBatches(target, { 'contacts.update': [{ id: '5491100000001@s.whatsapp.net', notify: 'Ada' }] })).toBe(true);
    expect(mergeBatches(target, upsert('notify', 'B', 'C'))).toBe(true);
    expect(mergeBatches(target, { 'messages.update': [{ key: { id: 'A', remoteJid: '5491100000001@s.whatsapp.net' }, update: { status: 4 } }] })).toBe(true);
    expect(target['messages.upsert']!.messages.map((m) => m.key.id)).toEqual(['A', 'B', 'C']);
    expect(target['contacts.update']).toEqual([{ id: '5491100000001@s.whatsapp.net', notify: 'Ada' }]);
    expect(target['messages.update']).toHaveLength(1);
  });

  it('joins the chat update Baileys emits with every live message', () => {
    const chat = (id: string) => ({ 'chats.update': [{ id: '120363000000000001@g.us', conversationTimestamp: 1 }], 'messages.upsert': { type: 'notify' as const, messages: [msg(id)] } });
    const target: Partial<BaileysEventMap> = chat('A');
    expect(mergeBatches(target, chat('B'))).toBe(true);
    expect(mergeBatches(target, { 'chats.upsert': [{ id: '5491100000002@s.whatsapp.net' }], 'messages.upsert': { type: 'notify', messages: [msg('C')] } })).toBe(true);
    expect(target['messages.upsert']!.messages.map((m) => m.key.id)).toEqual(['A', 'B', 'C']);
    expect(target['chats.update']).toHaveLength(2);
    expect(target['chats.upsert']).toEqual([{ id: '5491100000002@s.whatsapp.net' }]);
  });

  it('keeps apart what must stay in its own batch', () => {
    const target = upsert('notify', 'A');
    expect(mergeBatches(target, upsert('append', 'B'))).toBe(false);
    expect(mergeBatches(target, { 'messages.upsert': { type: 'notify', messages: [msg('C')], requestId: 'r1' } })).toBe(false);
    expect(mergeBatches(target, { 'creds.update': {} })).toBe(false);
    expect(mergeBatches(target, { 'messaging-history.set': { chats: [], contacts: [], messages: [], isLatest: true } })).toBe(false);
    expect(mergeBatches({ 'connection.update': { connection: 'open' } }, upsert('notify', 'D'))).toBe(false);
    expect(target['messages.upsert']!.messages.map((m) => m.key.id)).toEqual(['A']);
  });

  it('bounds a joined batch at 500 messages', () => {
    const target = upsert('notify', ...Array.from({ length: 499 }, (_, i) => `M${i}`));
    expect(mergeBatches(target, upsert('notify', 'last'))).toBe(true);
    expect(mergeBatches(target, upsert('notify', 'one too many'))).toBe(false);
    expect(target['messages.upsert']!.messages).toHaveLength(500);
  });
});
