/**
 * One chat: its messages oldest to newest, older pages loaded as the top comes into view (or with
 * the button, for the keyboard), the view kept in place when they are prepended, new messages
 * scrolled into view, incoming ones marked read, and the composer.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { chatStore, useChatStore } from './chat-store.js';
import { markRead, react, vote, type Message } from './chats-api.js';
import { Composer } from './composer.js';
import { ContactTitle } from './contact-panel.js';
import { GroupPanel } from './group-panel.js';
import { t } from './i18n.js';
import { KindComposer } from './kind-composer.js';
import { MessageBubble } from './message-bubble.js';
import type { Session } from './store.js';
import { useAction } from './use-action.js';

interface ConversationProps {
  session: Session;
  jid: string;
  title: string;
  unread: number;
  canAttach: boolean;
  onBack: () => void;
}

export function Conversation({ session, jid, title, unread, canAttach, onBack }: ConversationProps) {
  const conv = useChatStore().conversation(session.id, jid);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const { error, run } = useAction();
  const list = useRef<HTMLOListElement>(null);
  const top = useRef<HTMLLIElement>(null);
  const before = useRef<{ first: string | undefined; last: string | undefined; height: number; scrollTop: number }>({ first: undefined, last: undefined, height: 0, scrollTop: 0 });
  const messages = conv?.messages ?? [];

  useEffect(() => {
    setReplyTo(null);
    void run(() => chatStore.refreshNewest(session.id, jid));
  }, [session.id, jid]);

  const loadOlder = () => void run(() => chatStore.loadOlder(session.id, jid));
  useEffect(() => {
    if (!top.current || !list.current) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadOlder(), { root: list.current });
    observer.observe(top.current);
    return () => observer.disconnect();
  }, [conv?.nextCursor, session.id, jid]);

  // Prepended (older) messages keep what is on screen in place; a new last message scrolls to the end.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const first = messages[0]?.id;
    const last = messages[messages.length - 1]?.id;
    const was = before.current;
    if (was.first !== undefined && first !== was.first && last === was.last) el.scrollTop = was.scrollTop + (el.scrollHeight - was.height);
    else if (last !== was.last) el.scrollTop = el.scrollHeight;
    before.current = { first, last, height: el.scrollHeight, scrollTop: el.scrollTop };
  }, [messages]);

  useEffect(() => {
    if (unread === 0) return;
    const ids = messages.filter((m) => !m.fromMe).slice(-Math.min(unread, 500)).map((m) => m.id);
    if (ids.length > 0) void markRead(session.id, jid, ids).then(() => chatStore.refreshChats(session.id)).catch(() => undefined);
  }, [unread, messages.length]);

  const byId = new Map(messages.map((m) => [m.id, m]));
  return (
    <section class="conversation" aria-labelledby={`conv-${session.id}`} data-testid="conversation" data-jid={jid}>
      <header class="row spread">
        <ContactTitle sessionId={session.id} jid={jid} title={title} headingId={`conv-${session.id}`} />
        <button type="button" class="link back" onClick={onBack}>{t('chat.back')}</button>
      </header>
      <GroupPanel session={session} jid={jid} />
      <ol ref={list} class="thread" aria-live="polite" data-testid="thread"
        onScroll={(e) => { before.current.scrollTop = e.currentTarget.scrollTop; before.current.height = e.currentTarget.scrollHeight; }}>
        <li ref={top} class="thread-top">
          {!conv?.loaded ? <span class="muted">{t('chat.loading')}</span>
            : conv.nextCursor ? <button type="button" class="link" disabled={conv.loadingOlder} onClick={loadOlder}>{t('chat.older')}</button>
            : <span class="muted" data-testid="thread-start">{t('chat.start')}</span>}
        </li>
        {messages.map((m) => (
          <MessageBubble key={m.id} message={m} quoted={m.quotedMessageId ? byId.get(m.quotedMessageId) : undefined} me={session.phone}
            onReply={setReplyTo} onReact={(msg, emoji) => void run(() => react(session.id, jid, msg.id, emoji))}
            onVote={(msg, options) => void run(async () => {
              const { data } = await vote(session.id, jid, msg.id, options);
              chatStore.patchMessage(session.id, msg.id, (old) => ({ ...old, poll: data.poll ?? old.poll }));
            })} />
        ))}
      </ol>
      {error && <p class="error" role="alert">{error}</p>}
      <Composer sessionId={session.id} me={session.phone} jid={jid} replyTo={replyTo} onClearReply={() => setReplyTo(null)} canAttach={canAttach} />
      <KindComposer sessionId={session.id} jid={jid} />
    </section>
  );
}
