/**
 * History sync on a device's first login (WA-PROTOCOL-2 §2): a per-account fixture (chats with
 * names, messages both ways, contacts, LID/PN mappings, some LID-addressed chats), delivered as
 * inline chunks from the own phone: INITIAL_BOOTSTRAP, PUSH_NAME, then RECENT chunks with the
 * notification's progress, the last at 100. Chunks are generated one at a time, so the simulator's
 * memory stays bounded whatever the size; the fixture is deterministic (same ids every login).
 */
import { deflateSync } from 'node:zlib';
import { proto } from '@whiskeysockets/baileys';
import type { SimContact } from './contacts.js';
import type { AccountRecord } from './registry.js';

/** Size of the fixture (set at scan). */
export interface HistoryOptions {
  chats: number;
  messagesPerChat: number;
}

/** What the account record keeps (JSON-safe, persisted with the registry). */
export interface HistoryFixtureRecord extends HistoryOptions {
  /** Newest message's time (ms); older messages go back one minute at a time. */
  createdAt: number;
  /** 4 hex digits that make the fixture's message ids unique per account. */
  tag: string;
}

export const HISTORY_LIMITS = { chats: 1000, messagesPerChat: 10_000, totalMessages: 200_000 } as const;
/** Messages per RECENT chunk (the first chunk, INITIAL_BOOTSTRAP, is a tenth of that). */
const CHUNK_MESSAGES = 5000;

export function validateHistoryOptions(o: HistoryOptions): void {
  const int = (n: number, max: number, name: string): void => {
    if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`history.${name} must be an integer from 0 to ${max}`);
  };
  int(o.chats, HISTORY_LIMITS.chats, 'chats');
  int(o.messagesPerChat, HISTORY_LIMITS.messagesPerChat, 'messagesPerChat');
  if (o.chats * o.messagesPerChat > HISTORY_LIMITS.totalMessages) throw new RangeError(`history may hold at most ${HISTORY_LIMITS.totalMessages} messages`);
}

/** Phone number of the fixture's i-th contact (distinct per account, never a real-looking test number). */
export function fixtureContactPhone(account: AccountRecord, i: number): string {
  return `99${account.phoneNumber.slice(-7).padStart(7, '0')}${String(i).padStart(4, '0')}`;
}

/** Every third chat is addressed by LID (like chats a real account migrated), the others by PN. */
export const isLidChat = (i: number): boolean => i % 3 === 2;

export interface FixtureChat {
  contact: SimContact;
  /** The chat id as the history carries it (`<pn>@s.whatsapp.net` or `<lid>@lid`). */
  id: string;
  name: string;
}

export function messageId(fixture: HistoryFixtureRecord, chat: number, n: number): string {
  return `3EB0${chat.toString(16).padStart(4, '0')}${n.toString(16).padStart(8, '0')}${fixture.tag}`.toUpperCase();
}

/** The chat's messages, newest first (Baileys keeps the first one as the chat's last message). */
export function conversation(account: AccountRecord, fixture: HistoryFixtureRecord, i: number, chat: FixtureChat): proto.IConversation {
  const messages: proto.IHistorySyncMsg[] = [];
  const newest = Math.floor(fixture.createdAt / 1000) - i * 60;
  for (let n = 0; n < fixture.messagesPerChat; n++) {
    const fromMe = n % 2 === 1;
    const ts = newest - n * 60 * fixture.chats;
    messages.push({
      msgOrderId: fixture.messagesPerChat - n,
      message: {
        key: { remoteJid: chat.id, fromMe, id: messageId(fixture, i, n) },
        message: { conversation: fromMe ? `Reply ${n + 1} to ${chat.name}` : `Message ${n + 1} from ${chat.name}` },
        messageTimestamp: ts,
        status: fromMe ? proto.WebMessageInfo.Status.READ : undefined,
        pushName: fromMe ? account.pushName : chat.contact.pushName,
      },
    });
  }
  const lid = chat.id.endsWith('@lid');
  return {
    id: chat.id,
    messages,
    name: chat.name,
    unreadCount: 0,
    conversationTimestamp: newest,
    pnJid: lid ? chat.contact.jid : undefined,
    lidJid: lid ? undefined : chat.contact.lidJid,
  };
}

export interface HistoryChunk {
  notification: proto.Message.IHistorySyncNotification;
  /** Messages in this chunk (for progress accounting and benchmarks). */
  messages: number;
}

function chunk(syncType: proto.HistorySync.HistorySyncType, order: number, progress: number, data: proto.IHistorySync): proto.Message.IHistorySyncNotification {
  const inline = deflateSync(proto.HistorySync.encode({ ...data, syncType, chunkOrder: order, progress }).finish());
  return { syncType: syncType as number as proto.Message.HistorySyncType, chunkOrder: order, progress, initialHistBootstrapInlinePayload: inline };
}

/** The account's groups as history conversations, with their members' LID↔PN pairs (groups/group-history.ts). */
export interface HistoryGroups {
  conversations: proto.IConversation[];
  mappings: proto.IPhoneNumberToLIDMapping[];
}

/**
 * The notifications of one first login, in order, built lazily. Without a fixture: an empty
 * INITIAL_BOOTSTRAP and a final RECENT at 100 (enough to end the client's AwaitingInitialSync).
 * The account's groups, with what was said in them, travel in the INITIAL_BOOTSTRAP chunk.
 */
export function* historyChunks(account: AccountRecord, fixture: HistoryFixtureRecord | undefined, chats: FixtureChat[], groups: HistoryGroups = { conversations: [], mappings: [] }): Generator<HistoryChunk> {
  const T = proto.HistorySync.HistorySyncType;
  const total = chats.length * (fixture?.messagesPerChat ?? 0);
  const mappings = [...chats.map((c) => ({ pnJid: c.contact.jid, lidJid: c.contact.lidJid })), ...groups.mappings];
  let i = 0;
  let sent = 0;
  const take = (limit: number): proto.IConversation[] => {
    const out: proto.IConversation[] = [];
    let n = 0;
    while (i < chats.length && (out.length === 0 || n + fixture!.messagesPerChat <= limit)) {
      out.push(conversation(account, fixture!, i, chats[i]!));
      n += fixture!.messagesPerChat;
      i++;
    }
    sent += n;
    return out;
  };
  const progressOf = (): number => (total === 0 ? 100 : Math.min(99, Math.floor((sent / total) * 100)));
  const first = fixture && chats.length ? take(CHUNK_MESSAGES / 10) : [];
  const groupMessages = groups.conversations.reduce((n, c) => n + (c.messages?.length ?? 0), 0);
  yield { notification: chunk(T.INITIAL_BOOTSTRAP, 0, progressOf(), { conversations: [...first, ...groups.conversations], phoneNumberToLidMappings: mappings }), messages: sent + groupMessages };
  if (chats.length) {
    const pushnames = chats.filter((c) => c.contact.pushName).map((c) => ({ id: c.contact.jid, pushname: c.contact.pushName }));
    yield { notification: chunk(T.PUSH_NAME, 1, progressOf(), { pushnames }), messages: 0 };
  }
  let order = 2;
  do {
    const before = sent;
    const conversations = take(CHUNK_MESSAGES);
    const progress = i >= chats.length ? 100 : progressOf();
    yield { notification: chunk(T.RECENT, order++, progress, { conversations }), messages: sent - before };
  } while (i < chats.length);
}

export function historyNotificationMessage(notification: proto.Message.IHistorySyncNotification): proto.IMessage {
  return { protocolMessage: { type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION, historySyncNotification: notification } };
}
