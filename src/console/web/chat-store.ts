/**
 * Chats and open conversations per session: loaded over REST (`chats`, cursor pages of messages),
 * kept current by the seed 002 Socket.io events. A new message refetches the newest page of its
 * conversation (the event is a summary; the page has reactions, quotes and media); receipts,
 * edits, deletes, reactions and downloaded media patch the loaded message in place.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { listChats, listMessages, type Chat, type Message, type MessageStatus, type Page } from './chats-api.js';
import { applyVote, type PollVote } from './poll-results.js';

export interface Conversation {
  /** Oldest first, as shown. */
  messages: Message[];
  nextCursor: string | null;
  loaded: boolean;
  loadingOlder: boolean;
}

interface MessageRef {
  id: string;
  chatJid?: string;
  remoteJid?: string;
  remoteJidAlt?: string | null;
}

/** An item of `session.chats.update`: only what changed. */
export interface ChatStateUpdate {
  jid: string;
  archived?: boolean;
  pinned?: boolean;
  mutedUntil?: number | null;
  unreadCount?: number;
  deleted?: boolean;
}

/** An item of `session.messages.media`. */
export interface MediaSummary {
  messageId: string;
  chatJid: string;
  kind: string;
  url: string | null;
  mime: string;
  size: number | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  fileName: string | null;
}

/** A chat with no message yet (a group just created, a number just typed) is not stored yet: it is an empty conversation. */
const emptyWhenNoChat = (err: unknown): Page<Message> => {
  if (err instanceof ApiError && err.status === 404) return { data: [], nextCursor: null };
  throw err;
};

const RANK: Record<MessageStatus, number> = { error: 0, pending: 1, sent: 2, delivered: 3, read: 4, played: 5 };
const key = (sessionId: string, jid: string): string => `${sessionId} ${jid}`;
/**
 * A page (newest first, the API's order: timestamp, then the order they were stored in) merged
 * into what is loaded, shown oldest first. Timestamps are whole seconds, so messages of the same
 * second keep the API's order (a stable sort over insertion order), never their ids' (random):
 * an older page's messages go before the loaded ones, a newer page's after.
 */
function merge(known: Message[], page: Message[], older = false): Message[] {
  const chronological = [...page].reverse();
  const all = new Map((older ? [...chronological, ...known] : known).map((m) => [m.id, m]));
  for (const m of chronological) all.set(m.id, m);
  return [...all.values()].sort((a, b) => a.timestamp - b.timestamp);
}

class ChatStore {
  chats = new Map<string, Chat[]>();
  conversations = new Map<string, Conversation>();
  private listeners = new Set<() => void>();
  private chatLoads = new Map<string, { dirty: boolean }>();
  private newestLoads = new Map<string, { dirty: boolean; done: Promise<void> }>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    this.listeners.forEach((l) => l());
  }

  conversation(sessionId: string, jid: string): Conversation | undefined {
    return this.conversations.get(key(sessionId, jid));
  }

  private setConversation(sessionId: string, jid: string, patch: Partial<Conversation>): void {
    const before = this.conversation(sessionId, jid) ?? { messages: [], nextCursor: null, loaded: false, loadingOlder: false };
    this.conversations = new Map(this.conversations).set(key(sessionId, jid), { ...before, ...patch });
    this.changed();
  }

  /** Single-flight per session: a change while a load runs loads once more after it. */
  async refreshChats(sessionId: string): Promise<void> {
    const running = this.chatLoads.get(sessionId);
    if (running) {
      running.dirty = true;
      return;
    }
    const state = { dirty: false };
    this.chatLoads.set(sessionId, state);
    try {
      do {
        state.dirty = false;
        const page = await listChats(sessionId);
        this.chats = new Map(this.chats).set(sessionId, page.data);
        this.changed();
      } while (state.dirty);
    } finally {
      this.chatLoads.delete(sessionId);
    }
  }

  /**
   * The newest page, merged into what is loaded (the first call also sets the cursor for older
   * pages). Single-flight per conversation: a call while a load runs loads once more after it and
   * resolves then, so an older answer never lands after a newer one (concurrent reads, from the
   * upsert event and from the composer after a send, could otherwise undo a sent image's media).
   */
  refreshNewest(sessionId: string, jid: string): Promise<void> {
    const k = key(sessionId, jid);
    const running = this.newestLoads.get(k);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const state = { dirty: true, done: Promise.resolve() };
    this.newestLoads.set(k, state);
    state.done = (async () => {
      try {
        while (state.dirty) {
          state.dirty = false;
          const page = await listMessages(sessionId, jid, null).catch(emptyWhenNoChat);
          const before = this.conversation(sessionId, jid);
          this.setConversation(sessionId, jid, {
            messages: merge(before?.messages ?? [], page.data),
            nextCursor: before?.loaded ? before.nextCursor : page.nextCursor,
            loaded: true,
          });
        }
      } finally {
        this.newestLoads.delete(k);
      }
    })();
    return state.done;
  }

  async loadOlder(sessionId: string, jid: string): Promise<void> {
    const before = this.conversation(sessionId, jid);
    if (!before?.nextCursor || before.loadingOlder) return;
    this.setConversation(sessionId, jid, { loadingOlder: true });
    try {
      const page = await listMessages(sessionId, jid, before.nextCursor);
      const now = this.conversation(sessionId, jid)!;
      this.setConversation(sessionId, jid, { messages: merge(now.messages, page.data, true), nextCursor: page.nextCursor });
    } finally {
      this.setConversation(sessionId, jid, { loadingOlder: false });
    }
  }

  /** The jids of loaded conversations a message belongs to (PN and LID addresses of one chat). */
  private conversationsOf(sessionId: string, ref: MessageRef): string[] {
    const addresses = new Set([ref.chatJid, ref.remoteJid, ref.remoteJidAlt].filter((a): a is string => !!a));
    const chats = this.chats.get(sessionId) ?? [];
    return [...this.conversations.keys()]
      .filter((k) => k.startsWith(`${sessionId} `))
      .map((k) => k.slice(sessionId.length + 1))
      .filter((jid) => {
        const chat = chats.find((c) => c.jid === jid);
        return [jid, chat?.pnJid, chat?.lidJid].some((a) => a && addresses.has(a));
      });
  }

  onUpsert(sessionId: string, messages: MessageRef[]): void {
    void this.refreshChats(sessionId).catch(() => undefined);
    const jids = new Set(messages.flatMap((m) => this.conversationsOf(sessionId, m)));
    jids.forEach((jid) => void this.refreshNewest(sessionId, jid).catch(() => undefined));
  }

  /** A history chunk was stored: the list and the open conversations of the session are read again. */
  onHistory(sessionId: string): void {
    void this.refreshChats(sessionId).catch(() => undefined);
    for (const k of this.conversations.keys()) {
      if (k.startsWith(`${sessionId} `)) void this.refreshNewest(sessionId, k.slice(sessionId.length + 1)).catch(() => undefined);
    }
  }

  /** Applies `fn` to the loaded copy of a message, wherever it is loaded. */
  patchMessage(sessionId: string, messageId: string, fn: (m: Message) => Message): void {
    let next: Map<string, Conversation> | null = null;
    for (const [k, conv] of this.conversations) {
      if (!k.startsWith(`${sessionId} `)) continue;
      const i = conv.messages.findIndex((m) => m.id === messageId);
      if (i < 0) continue;
      const messages = [...conv.messages];
      messages[i] = fn(messages[i]);
      next ??= new Map(this.conversations);
      next.set(k, { ...conv, messages });
    }
    if (!next) return;
    this.conversations = next;
    this.changed();
  }

  onStatus(sessionId: string, updates: { messageId: string; status: MessageStatus }[]): void {
    for (const u of updates) {
      // Statuses only move forward (a late "delivered" never undoes "read").
      this.patchMessage(sessionId, u.messageId, (m) => (m.status && RANK[m.status] >= RANK[u.status] && u.status !== 'error' ? m : { ...m, status: u.status }));
    }
    void this.refreshChats(sessionId).catch(() => undefined);
  }

  /** A message's media was downloaded (`session.messages.media`): its URL and facts, in place. */
  onMedia(sessionId: string, media: MediaSummary[]): void {
    for (const x of media) {
      this.patchMessage(sessionId, x.messageId, (m) => (m.media ? {
        ...m,
        media: { ...m.media, kind: x.kind, url: x.url, mime: x.mime, size: x.size, width: x.width, height: x.height, duration: x.duration, fileName: x.fileName ?? m.media.fileName },
      } : m));
    }
    // A page read before the download finished may still land after this patch (or the message
    // may not be loaded yet): read the newest page again, after any read in flight.
    const jids = new Set(media.flatMap((x) => this.conversationsOf(sessionId, { id: x.messageId, chatJid: x.chatJid })));
    jids.forEach((jid) => void this.refreshNewest(sessionId, jid).catch(() => undefined));
  }

  onEdit(sessionId: string, edits: { messageId: string; text: string | null; editedAt: number }[]): void {
    edits.forEach((e) => this.patchMessage(sessionId, e.messageId, (m) => ({ ...m, text: e.text, editedAt: e.editedAt })));
  }

  onDelete(sessionId: string, deletes: { messageId: string; deletedAt: number }[]): void {
    deletes.forEach((d) => this.patchMessage(sessionId, d.messageId, (m) => ({ ...m, text: null, media: null, deletedAt: d.deletedAt })));
  }

  onReaction(sessionId: string, reactions: { messageId: string; actorJid: string; emoji: string | null; removed: boolean }[]): void {
    for (const r of reactions) {
      this.patchMessage(sessionId, r.messageId, (m) => {
        // One reaction per actor: drop the actor's old one, then add the new one.
        const groups = m.reactions
          .map((g) => ({ ...g, actors: g.actors.filter((a) => a !== r.actorJid) }))
          .map((g) => ({ ...g, count: g.actors.length }))
          .filter((g) => g.count > 0);
        if (!r.removed && r.emoji) {
          const group = groups.find((g) => g.emoji === r.emoji);
          if (group) Object.assign(group, { actors: [...group.actors, r.actorJid], count: group.count + 1 });
          else groups.push({ emoji: r.emoji, count: 1, actors: [r.actorJid] });
        }
        return { ...m, reactions: groups };
      });
    }
  }

  /** `session.chats.update` (from the API or the phone): the listed chats change in place, then the list is read again. */
  onChatsUpdate(sessionId: string, updates: ChatStateUpdate[]): void {
    const chats = this.chats.get(sessionId);
    if (chats) {
      const of = (c: Chat, u: ChatStateUpdate) => u.jid === c.jid || u.jid === c.pnJid || u.jid === c.lidJid;
      const next = chats
        .filter((c) => !updates.some((u) => u.deleted && of(c, u)))
        .map((c) => updates.filter((u) => of(c, u)).reduce((x, { jid: _jid, deleted: _deleted, ...change }) => ({ ...x, ...change }), c));
      this.chats = new Map(this.chats).set(sessionId, next);
      this.changed();
    }
    void this.refreshChats(sessionId).catch(() => undefined);
  }

  /** Votes (`session.messages.poll`): the loaded poll's results change in place. */
  onPoll(sessionId: string, votes: PollVote[]): void {
    votes.forEach((v) => this.patchMessage(sessionId, v.messageId, (m) => (m.poll ? { ...m, poll: applyVote(m.poll, v.voterJid, v.options) } : m)));
  }

  /** After a reconnect: what was missed while offline is read again. */
  refetchAll(): void {
    const sessions = new Set([...this.chats.keys(), ...[...this.conversations.keys()].map((k) => k.slice(0, k.indexOf(' ')))]);
    sessions.forEach((id) => this.onHistory(id));
  }

  clear(): void {
    this.chats = new Map();
    this.conversations = new Map();
    this.changed();
  }
}

export const chatStore = new ChatStore();

export function useChatStore(): ChatStore {
  const [, setTick] = useState(0);
  useEffect(() => chatStore.subscribe(() => setTick((n) => n + 1)), []);
  return chatStore;
}
