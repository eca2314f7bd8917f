/**
 * The conversation's composer: text, a reply to a chosen message, an attachment (uploaded with
 * `POST media`, then sent with `POST chats/:jid/messages { mediaId }`, the text as its caption).
 */
import { useRef, useState } from 'preact/hooks';
import { chatStore } from './chat-store.js';
import { sendMessage, uploadMedia, type Message, type SendBody } from './chats-api.js';
import { useGroup } from './group-store.js';
import { t } from './i18n.js';
import { MentionPicker, mentionsOf } from './mentions.js';
import { preview } from './message-bubble.js';
import { useAction } from './use-action.js';

interface ComposerProps {
  sessionId: string;
  /** The session's own number (not offered as a mention). */
  me: string | null;
  jid: string;
  replyTo: Message | null;
  onClearReply: () => void;
  canAttach: boolean;
}

export function Composer({ sessionId, me, jid, replyTo, onClearReply, canAttach }: ComposerProps) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const textInput = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useAction();
  const participants = useGroup(sessionId, jid)?.participants ?? [];

  const submit = (e: Event) => {
    e.preventDefault();
    if (!text.trim() && !file) return;
    void run(async () => {
      const body: SendBody = {};
      if (text.trim()) body.content = text;
      const mentions = mentionsOf(text, participants);
      if (mentions.length > 0) body.mentions = mentions;
      if (replyTo) body.replyToMessageId = replyTo.id;
      if (file) body.mediaId = (await uploadMedia(sessionId, file)).id;
      await sendMessage(sessionId, jid, body);
      setText('');
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
      onClearReply();
      await chatStore.refreshNewest(sessionId, jid);
    });
  };

  return (
    <form class="composer" onSubmit={submit} data-testid="composer">
      {replyTo && (
        <div class="replying" data-testid="replying-to">
          <span>{t('chat.replyingTo')} <q>{preview(replyTo)}</q></span>
          <button type="button" class="link" onClick={onClearReply}>{t('chat.cancelReply')}</button>
        </div>
      )}
      <div class="row">
        <label class="grow">
          {t('messages.text')}
          <input ref={textInput} name="text" autocomplete="off" value={text} onInput={(e) => setText(e.currentTarget.value)} required={!file} />
        </label>
        {canAttach && (
          <label class="attach">
            {t('chat.attach')}
            <input ref={fileInput} name="file" type="file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </label>
        )}
        <button type="submit" class="primary" disabled={busy}>{t('messages.send')}</button>
      </div>
      <MentionPicker sessionId={sessionId} jid={jid} text={text} participants={participants} me={me} onPick={(next) => { setText(next); textInput.current?.focus(); }} />
      {file && <p class="muted small" data-testid="attachment">📎 {file.name}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
