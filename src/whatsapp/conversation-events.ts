/**
 * Routes one batch of Baileys events to a session's conversation sink, translated. History is
 * handed over in slices so that one huge chunk never becomes one huge transaction.
 */
import type { BaileysEventMap } from '@whiskeysockets/baileys';
import type { ConversationSink, WaMessageChange, WaMessageRecord, WaReceipt } from './conversation-types.js';
import { jidNormalizedUser } from '@whiskeysockets/baileys';
import { wellFormed } from '../common/postgres-text.js';
import { presenceUpdatesOf } from './event-translator.js';
import { statusName, textOfContent, toSeconds, translateChat, translateContact, translateMessage } from './message-translator.js';
import { getContentType, normalizeMessageContent, WAMessageStubType } from '@whiskeysockets/baileys';

export const HISTORY_SLICE = 1000;

const defined = <T>(v: T | undefined): v is T => v !== undefined;
const wellFormedText = (text: string | null): string | null => (text === null ? null : wellFormed(text));

export async function routeConversationEvents(events: Partial<BaileysEventMap>, sink: ConversationSink, ownPhone: string | null): Promise<void> {
  const mapping = events['lid-mapping.update'];
  if (mapping) await sink.mappings([mapping]);
  const history = events['messaging-history.set'];
  if (history) {
    const syncType = history.syncType === undefined || history.syncType === null ? 'UNKNOWN' : String(historyTypeName(history.syncType));
    const all = history.messages.map((m) => translateMessage(m, ownPhone)).filter(defined);
    const slices = Math.max(1, Math.ceil(all.length / HISTORY_SLICE));
    for (let i = 0; i < slices; i++) {
      const first = i === 0;
      await sink.history({
        syncType,
        progress: history.progress ?? null,
        isLatest: Boolean(history.isLatest) && i === slices - 1,
        lastSlice: i === slices - 1,
        chats: first ? history.chats.map(translateChat).filter(defined) : [],
        contacts: first ? history.contacts.map(translateContact).filter(defined) : [],
        messages: all.slice(i * HISTORY_SLICE, (i + 1) * HISTORY_SLICE),
        mappings: first ? (history.lidPnMappings ?? []) : [],
      });
    }
  }
  const status = events['messaging-history.status'];
  if (status) await sink.historyStatus(String(historyTypeName(status.syncType)), status.status);
  const contacts = [...(events['contacts.upsert'] ?? []), ...(events['contacts.update'] ?? [])].map(translateContact).filter(defined);
  if (contacts.length > 0) await sink.contacts(contacts);
  const chats = [...(events['chats.upsert'] ?? []), ...(events['chats.update'] ?? [])].map(translateChat).filter(defined);
  if (chats.length > 0) await sink.chats(chats);
  const upsert = events['messages.upsert'];
  if (upsert && upsert.messages.length > 0) {
    const records: WaMessageRecord[] = upsert.messages.map((m) => translateMessage(m, ownPhone)).filter(defined);
    if (records.length > 0) await sink.messages(upsert.type, records, upsert.requestId ?? null);
  }
  const updates = events['messages.update'];
  if (updates) {
    const changes: WaMessageChange[] = [];
    for (const u of updates) {
      if (!u.key.id || !u.key.remoteJid) continue;
      const change: WaMessageChange = { id: u.key.id, remoteJid: u.key.remoteJid };
      const st = statusName(u.update.status);
      if (st) {
        change.status = st;
        change.statusAt = Math.floor(Date.now() / 1000);
      }
      if (u.update.messageStubType === WAMessageStubType.REVOKE || (u.update.message === null && 'messageStubType' in u.update)) {
        change.revokedAt = Math.floor(Date.now() / 1000);
      }
      const edited = u.update.message?.editedMessage?.message;
      if (edited) {
        const inner = normalizeMessageContent(edited.protocolMessage?.editedMessage ?? edited);
        change.edit = { text: wellFormedText(textOfContent(inner)), type: getContentType(inner) ?? 'conversation', editedAt: toSeconds(u.update.messageTimestamp) };
      }
      if (change.status || change.revokedAt || change.edit) changes.push(change);
    }
    if (changes.length > 0) await sink.changes(changes);
    // 1:1: the contact's receipt for one of our messages is the message's status.
    const direct: WaReceipt[] = [];
    for (const u of updates) {
      const st = statusName(u.update.status);
      if (!u.key.fromMe || !u.key.id || !u.key.remoteJid || u.key.remoteJid.endsWith('@g.us') || (st !== 'delivered' && st !== 'read' && st !== 'played')) continue;
      const t = Number(u.update.messageTimestamp ?? 0);
      direct.push({ remoteJid: u.key.remoteJid, id: u.key.id, recipientJid: jidNormalizedUser(u.key.remoteJid), status: st, at: t > 0 ? t : Math.floor(Date.now() / 1000) });
    }
    if (direct.length > 0 && sink.receipts) await sink.receipts(direct);
  }
  const userReceipts = events['message-receipt.update'];
  if (userReceipts && sink.receipts) {
    const receipts: WaReceipt[] = [];
    for (const { key, receipt } of userReceipts) {
      if (!key.id || !key.remoteJid || !receipt.userJid) continue;
      const played = Number(receipt.playedTimestamp ?? 0);
      const read = Number(receipt.readTimestamp ?? 0);
      const delivered = Number(receipt.receiptTimestamp ?? 0);
      const [status, at] = played > 0 ? (['played', played] as const) : read > 0 ? (['read', read] as const) : (['delivered', delivered || Math.floor(Date.now() / 1000)] as const);
      receipts.push({ remoteJid: key.remoteJid, id: key.id, recipientJid: receipt.userJid, status, at });
    }
    if (receipts.length > 0) await sink.receipts(receipts);
  }
  // Reactions are stored from the reaction messages of messages.upsert; Baileys' messages.reaction repeats them.
  const presence = events['presence.update'];
  if (presence) sink.presence(presence.id, presenceUpdatesOf(presence.presences));
}

const HISTORY_TYPES: Record<number, string> = {
  0: 'INITIAL_BOOTSTRAP', 1: 'INITIAL_STATUS_V3', 2: 'FULL', 3: 'RECENT', 4: 'PUSH_NAME', 5: 'NON_BLOCKING_DATA', 6: 'ON_DEMAND',
};
function historyTypeName(t: unknown): string {
  return typeof t === 'number' ? (HISTORY_TYPES[t] ?? String(t)) : String(t);
}
