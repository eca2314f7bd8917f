/** The seed 002 conversation API (`chats`, `media`) as the console calls it: always for one session (`?sessionId=`). */
import { api } from './api.js';

export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'played' | 'error';

export interface Reaction {
  emoji: string;
  count: number;
  actors: string[];
}

export interface MessageMedia {
  kind: string;
  url: string | null;
  mime: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  fileName: string | null;
}

export interface Message {
  id: string;
  chatJid: string;
  fromMe: boolean;
  senderJid: string | null;
  senderPhone: string | null;
  pushName: string | null;
  timestamp: number;
  type: string;
  text: string | null;
  status: MessageStatus | null;
  quotedMessageId: string | null;
  forwarded: boolean;
  editedAt: number | null;
  deletedAt: number | null;
  reactions: Reaction[];
  media: MessageMedia | null;
  /** The jids the message @-mentions. */
  mentions: string[];
  location?: MessageLocation | null;
  contacts?: ContactCard[] | null;
  poll?: MessagePoll | null;
  linkPreview?: { url: string; title: string | null; description: string | null } | null;
  event?: { name: string; description: string | null; startAt: string | null } | null;
}

export interface MessageLocation {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
  url: string | null;
  live: boolean;
}

export interface ContactCard {
  displayName: string | null;
  vcard: string;
  phones: string[];
}

export interface MessagePoll {
  name: string;
  selectableCount: number;
  options: { name: string; votes: number; voters: string[] }[];
  totalVotes: number;
}

export interface Chat {
  jid: string;
  pnJid: string | null;
  lidJid: string | null;
  name: string | null;
  isGroup: boolean;
  unreadCount: number;
  lastMessage: { id: string; fromMe: boolean; timestamp: number; type: string; text: string | null; status: MessageStatus | null } | null;
  lastMessageAt: number | null;
  archived: boolean;
  pinned: boolean;
  /** Unix seconds; null when not muted. */
  mutedUntil: number | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Uploaded {
  id: string;
  kind: string;
  mime: string;
  size: number;
}

export interface SendBody {
  content?: string;
  replyToMessageId?: string;
  mediaId?: string;
  mentions?: string[];
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: { phone: string; displayName?: string }[];
  poll?: { name: string; options: string[]; selectableCount: number };
}

const q = (sessionId: string, extra: Record<string, string> = {}): string => new URLSearchParams({ sessionId, ...extra }).toString();
const chat = (jid: string): string => `chats/${encodeURIComponent(jid)}`;

export const PAGE_SIZE = 50;

export function listChats(sessionId: string): Promise<Page<Chat>> {
  return api('GET', `chats?${q(sessionId, { limit: '100' })}`);
}

export function listMessages(sessionId: string, jid: string, cursor: string | null): Promise<Page<Message>> {
  const extra: Record<string, string> = { limit: String(PAGE_SIZE) };
  if (cursor) extra.cursor = cursor;
  return api('GET', `${chat(jid)}/messages?${q(sessionId, extra)}`);
}

export function sendMessage(sessionId: string, jid: string, body: SendBody): Promise<{ id: string; status: string }> {
  return api('POST', `${chat(jid)}/messages?${q(sessionId)}`, body);
}

export function react(sessionId: string, jid: string, messageId: string, emoji: string | null): Promise<unknown> {
  return api('POST', `${chat(jid)}/messages/${encodeURIComponent(messageId)}/reactions?${q(sessionId)}`, { emoji });
}

/** Votes on a poll (`[]` withdraws the vote); answers the message with the poll's results. */
export function vote(sessionId: string, jid: string, messageId: string, options: string[]): Promise<{ data: Message }> {
  return api('POST', `${chat(jid)}/messages/${encodeURIComponent(messageId)}/votes?${q(sessionId)}`, { options });
}

export function markRead(sessionId: string, jid: string, messageIds: string[]): Promise<unknown> {
  return api('POST', `${chat(jid)}/read?${q(sessionId)}`, { messageIds });
}

/** The media kind an upload is sent as, from the file's type (anything else goes as a document). */
export function kindOf(file: File): string {
  const top = file.type.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'document';
}

export function uploadMedia(sessionId: string, file: File): Promise<Uploaded> {
  const form = new FormData();
  form.append('kind', kindOf(file));
  form.append('file', file, file.name);
  return api('POST', `media?${q(sessionId)}`, form);
}
