/** One message of a conversation: sender, quote, text or media, edited/deleted markers, ticks, reactions and its actions. */
import { useState } from 'preact/hooks';
import type { Message, MessageStatus } from './chats-api.js';
import { t, type MessageKey } from './i18n.js';
import { MediaView } from './media.js';
import { MentionText } from './mentions.js';
import { hasKind, kindLabel, MessageKinds } from './message-kinds.js';

export const REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

const TICKS: Record<MessageStatus, string> = { pending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', played: '✓✓', error: '⚠' };

export function Ticks({ status }: { status: MessageStatus | null }) {
  if (!status) return null;
  const label = t(`tick.${status}` as MessageKey);
  return <span class={`ticks tick-${status}`} role="img" aria-label={label} title={label} data-testid="ticks" data-status={status}>{TICKS[status]}</span>;
}

export const timeOf = (seconds: number): string => new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export const preview = (m: Pick<Message, 'text' | 'type'> | null | undefined): string => m?.text ?? (m ? kindLabel(m.type) ?? `[${m.type}]` : '');

interface BubbleProps {
  message: Message;
  quoted: Message | undefined;
  /** The session's own jid prefix (its number), to tell its reactions from the contact's. */
  me: string | null;
  onReply: (m: Message) => void;
  onReact: (m: Message, emoji: string | null) => void;
  /** Votes on a poll (its chosen option names; `[]` withdraws). */
  onVote?: (m: Message, options: string[]) => void;
}

export function MessageBubble({ message: m, quoted, me, onReply, onReact, onVote }: BubbleProps) {
  const [picking, setPicking] = useState(false);
  const mine = (actors: string[]) => !!me && actors.some((a) => a.startsWith(`${me}@`) || a.startsWith(`${me}:`));
  const myEmoji = m.reactions.find((g) => mine(g.actors))?.emoji ?? null;
  const sender = m.fromMe ? t('messages.me') : m.pushName || (m.senderPhone ? `+${m.senderPhone}` : '');
  const deleted = m.deletedAt !== null;
  return (
    <li class={`bubble ${m.fromMe ? 'mine' : ''}`} data-testid="chat-message" data-message-id={m.id} aria-label={`${sender}, ${timeOf(m.timestamp)}`}>
      {!m.fromMe && sender && <strong class="sender">{sender}</strong>}
      {m.forwarded && <p class="muted small">↪ {t('chat.forwarded')}</p>}
      {m.quotedMessageId && (
        <blockquote class="quote" data-testid="quoted">{quoted ? preview(quoted) : t('chat.quotedUnknown')}</blockquote>
      )}
      {deleted ? (
        <p class="muted" data-testid="deleted-marker"><em>🚫 {t('chat.deleted')}</em></p>
      ) : (
        <>
          {m.media && <MediaView media={m.media} />}
          {m.text !== null ? <p class="text" data-testid="message-text"><MentionText message={m} /></p> : !m.media && !hasKind(m) && <p class="muted">[{m.type}]</p>}
          <MessageKinds message={m} me={me} onVote={onVote} />
        </>
      )}
      <p class="meta">
        {m.editedAt !== null && !deleted && <span class="muted" data-testid="edited-marker">{t('chat.edited')} · </span>}
        <time dateTime={new Date(m.timestamp * 1000).toISOString()}>{timeOf(m.timestamp)}</time>
        {m.fromMe && <> <Ticks status={m.status} /></>}
      </p>
      {m.reactions.length > 0 && (
        <ul class="reactions" aria-label={t('chat.reactions')} data-testid="reactions">
          {m.reactions.map((g) => <li key={g.emoji} class={mine(g.actors) ? 'own' : ''}>{g.emoji}{g.count > 1 ? ` ${g.count}` : ''}</li>)}
        </ul>
      )}
      {!deleted && (
        <div class="bubble-actions">
          <button type="button" class="link" onClick={() => onReply(m)}>{t('messages.reply')}</button>
          <button type="button" class="link" aria-expanded={picking} onClick={() => setPicking(!picking)}>{t('chat.react')}</button>
        </div>
      )}
      {picking && (
        <div class="picker" role="group" aria-label={t('chat.react')}>
          {REACTIONS.map((emoji) => (
            <button type="button" key={emoji} aria-pressed={myEmoji === emoji} aria-label={t('chat.reactWith', { emoji })}
              onClick={() => { setPicking(false); onReact(m, myEmoji === emoji ? null : emoji); }}>
              {emoji}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}
