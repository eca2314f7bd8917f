/** A connected session's chats (names, unread, last message; PN and LID merged by the API), a new chat by number, and the open conversation. */
import { useEffect, useState } from 'preact/hooks';
import { Avatar } from './avatar.js';
import { BlockedList } from './blocklist.js';
import { ChatActionsMenu } from './chat-actions-menu.js';
import { chatStore, useChatStore } from './chat-store.js';
import type { Chat } from './chats-api.js';
import { isMuted } from './contacts-api.js';
import { Conversation } from './conversation.js';
import { useSessionGroups, withGroups } from './group-store.js';
import { t } from './i18n.js';
import { preview, Ticks, timeOf } from './message-bubble.js';
import { NewGroup } from './new-group.js';
import type { Session } from './store.js';
import { useAction } from './use-action.js';

const phoneOf = (jid: string | null): string | null => (jid?.endsWith('@s.whatsapp.net') ? `+${jid.split('@')[0]}` : null);
export const chatTitle = (c: Pick<Chat, 'name' | 'jid' | 'pnJid'>): string => c.name || phoneOf(c.pnJid) || phoneOf(c.jid) || c.jid;

/** Pinned chats first, then by last message (the API's order); archived ones apart. */
const byPin = (chats: Chat[]): Chat[] => [...chats.filter((c) => c.pinned), ...chats.filter((c) => !c.pinned)];

function ChatRow({ sessionId, chat, open, onOpen, onLeave }: { sessionId: string; chat: Chat; open: boolean; onOpen: () => void; onLeave: () => void }) {
  const last = chat.lastMessage;
  const title = chatTitle(chat);
  return (
    <li class="chat-item" data-testid="chat-item" data-jid={chat.jid} data-pinned={chat.pinned} data-archived={chat.archived} data-muted={isMuted(chat)}>
      <Avatar sessionId={sessionId} jid={chat.jid} title={title} />
      <button type="button" class={`chat-row ${open ? 'open' : ''}`} aria-current={open ? 'true' : undefined} onClick={onOpen} data-testid="chat-row" data-jid={chat.jid}>
        <span class="row spread">
          <strong>{chat.pinned && <span data-testid="pinned" title={t('chatActions.pinned')} aria-label={t('chatActions.pinned')}>📌 </span>}{chat.isGroup && <span class="group-mark" role="img" aria-label={t('groups.marker')} title={t('groups.marker')} data-testid="group-mark">👥 </span>}{title}
            {isMuted(chat) && <span data-testid="muted" title={t('chatActions.muted')} aria-label={t('chatActions.muted')}> 🔇</span>}</strong>
          {chat.lastMessageAt !== null && <time class="muted small">{timeOf(chat.lastMessageAt)}</time>}
        </span>
        <span class="row spread">
          <span class="last muted">{last?.fromMe && <Ticks status={last.status} />} {preview(last)}</span>
          {chat.unreadCount > 0 && <span class="badge" data-testid="unread" aria-label={t('chat.unread', { n: chat.unreadCount })}>{chat.unreadCount}</span>}
        </span>
      </button>
      <ChatActionsMenu sessionId={sessionId} chat={chat} title={title} onLeave={onLeave} />
    </li>
  );
}

export function ChatsPanel({ session, canAttach }: { session: Session; canAttach: boolean }) {
  const chats = withGroups(useChatStore().chats.get(session.id), useSessionGroups(session.id));
  const [open, setOpen] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const { error, run } = useAction();
  useEffect(() => void run(() => chatStore.refreshChats(session.id)), [session.id]);

  const current = open ? chats?.find((c) => c.jid === open || c.pnJid === open || c.lidJid === open) : undefined;
  const row = (c: Chat) => (
    <ChatRow key={c.jid} sessionId={session.id} chat={c} open={c.jid === current?.jid} onOpen={() => setOpen(c.jid)} onLeave={() => c.jid === current?.jid && setOpen(null)} />
  );
  const archived = chats?.filter((c) => c.archived) ?? [];
  const startChat = (e: Event) => {
    e.preventDefault();
    setOpen(`${number.replace(/\D/g, '')}@s.whatsapp.net`);
    setNumber('');
  };
  return (
    <section class={`chats ${open ? 'has-open' : ''}`} aria-labelledby={`chats-${session.id}`} data-testid="chats">
      <div class="chat-list">
        <h3 id={`chats-${session.id}`}>💬 {t('chat.title')}</h3>
        <form class="row" onSubmit={startChat}>
          <label class="grow">
            {t('chat.newChat')}
            <input name="newChat" inputMode="tel" required pattern="\+?[\d\s\-]{6,20}" value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
          </label>
          <button type="submit">{t('chat.open')}</button>
        </form>
        <NewGroup sessionId={session.id} onCreated={setOpen} />
        {error && <p class="error" role="alert">{error}</p>}
        <ul class="chat-rows" aria-label={t('chat.title')}>
          {chats?.length === 0 && <li class="muted">{t('chat.empty')}</li>}
          {chats && byPin(chats.filter((c) => !c.archived)).map(row)}
        </ul>
        {archived.length > 0 && (
          <details class="archived" data-testid="archived">
            <summary>🗄 {t('chatActions.archivedChats', { n: archived.length })}</summary>
            <ul class="chat-rows" aria-label={t('chatActions.archivedTitle')}>{byPin(archived).map(row)}</ul>
          </details>
        )}
        <BlockedList sessionId={session.id} />
      </div>
      {open && (
        <Conversation session={session} jid={current?.jid ?? open} title={current ? chatTitle(current) : phoneOf(open) ?? open}
          unread={current?.unreadCount ?? 0} canAttach={canAttach} onBack={() => setOpen(null)} />
      )}
    </section>
  );
}
