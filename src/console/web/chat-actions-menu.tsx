/**
 * A chat's menu in the list: archive, pin, mute, mark unread/read and delete (PATCH/DELETE chats/:jid,
 * which WhatsApp applies on every device of the account). The answer updates the list at once; the
 * `session.chats.update` that follows (and the phone's own changes) keep it current.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { chatStore } from './chat-store.js';
import type { Chat } from './chats-api.js';
import { ConfirmDialog } from './confirm.js';
import { deleteChat, isMuted, updateChat, type ChatChanges } from './contacts-api.js';
import { t } from './i18n.js';
import { useAction } from './use-action.js';

const HOUR = 3600_000;
const inHours = (hours: number): string => new Date(Date.now() + hours * HOUR).toISOString();

interface MenuProps {
  sessionId: string;
  chat: Chat;
  title: string;
  /** The chat is about to be marked unread or deleted (the open conversation closes, so it does not read it again). */
  onLeave: () => void;
}

export function ChatActionsMenu({ sessionId, chat, title, onLeave }: MenuProps) {
  const menu = useRef<HTMLDetailsElement>(null);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const muted = isMuted(chat);
  const close = () => {
    if (menu.current) menu.current.open = false;
  };
  // Like a menu: Escape closes it (back on its button), and so does a click or focus elsewhere.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !menu.current?.open) return;
    close();
    menu.current.querySelector('summary')?.focus();
  };
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!shown) return;
    const outside = (e: Event) => !menu.current?.contains(e.target as Node | null) && close();
    document.addEventListener('pointerdown', outside);
    document.addEventListener('focusin', outside);
    return () => {
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('focusin', outside);
    };
  }, [shown]);

  const change = (changes: ChatChanges) => {
    if (changes.unread) onLeave();
    close();
    void run(async () => {
      const c = await updateChat(sessionId, chat.jid, changes);
      chatStore.onChatsUpdate(sessionId, [{ jid: c.jid, archived: c.archived, pinned: c.pinned, mutedUntil: c.mutedUntil, unreadCount: c.unreadCount }]);
    });
  };
  const remove = () => {
    onLeave();
    void run(async () => {
      await deleteChat(sessionId, chat.jid);
      chatStore.onChatsUpdate(sessionId, [{ jid: chat.jid, deleted: true }]);
    });
  };
  const item = (label: string, changes: ChatChanges) => (
    <button type="button" class="link" disabled={busy} onClick={() => change(changes)}>{label}</button>
  );

  return (
    <>
      <details ref={menu} class="chat-menu" data-testid="chat-menu" onKeyDown={onKeyDown} onToggle={(e) => setShown(e.currentTarget.open)}>
        <summary aria-label={t('chatActions.menu', { chat: title })}>⋮</summary>
        <div role="group" aria-label={t('chatActions.menu', { chat: title })} class="chat-menu-items">
          {item(chat.archived ? t('chatActions.unarchive') : t('chatActions.archive'), { archived: !chat.archived })}
          {item(chat.pinned ? t('chatActions.unpin') : t('chatActions.pin'), { pinned: !chat.pinned })}
          {muted ? item(t('chatActions.unmute'), { mutedUntil: null }) : (
            <>
              {item(t('chatActions.mute8h'), { mutedUntil: inHours(8) })}
              {item(t('chatActions.muteWeek'), { mutedUntil: inHours(7 * 24) })}
            </>
          )}
          {chat.unreadCount > 0 ? item(t('chatActions.markRead'), { unread: false }) : item(t('chatActions.markUnread'), { unread: true })}
          <button type="button" class="link danger-text" disabled={busy} onClick={() => { close(); setConfirming(true); }}>
            {t('chatActions.delete')}
          </button>
        </div>
      </details>
      {error && <p class="error" role="alert">{error}</p>}
      {confirming && <ConfirmDialog message={t('chatActions.confirmDelete', { chat: title })} onConfirm={remove} onClose={() => setConfirming(false)} />}
    </>
  );
}
