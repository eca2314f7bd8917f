/** The session's messages as they arrive (Socket.io `session.messages.upsert`) and a text composer. */
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import type { LiveMessage, Session } from './store.js';
import { useAction } from './use-action.js';

const who = (m: LiveMessage): string => (m.fromMe ? t('messages.me') : m.pushName || `+${m.remoteJid.split('@')[0]}`);

function time(ts: number | string): string {
  const ms = typeof ts === 'number' ? (ts < 1e12 ? ts * 1000 : ts) : Date.parse(ts);
  return new Date(ms).toLocaleTimeString();
}

export function LiveMessages({ session, messages }: { session: Session; messages: LiveMessage[] }) {
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const { busy, error, run } = useAction();
  const send = (e: Event) => {
    e.preventDefault();
    void run(() => api('POST', `sessions/${session.id}/messages`, { to, text })).then((ok) => ok && setText(''));
  };
  return (
    <section aria-labelledby={`messages-${session.id}`} class="messages">
      <h3 id={`messages-${session.id}`}>💬 {t('messages.title')}</h3>
      <ul aria-live="polite" data-testid="live-messages">
        {messages.length === 0 && <li class="muted">{t('messages.empty')}</li>}
        {messages.map((m) => (
          <li key={m.id} class={m.fromMe ? 'mine' : ''} data-testid="live-message">
            <strong>{who(m)}</strong> <span class="muted">{time(m.timestamp)}</span>
            <div>{m.text ?? `[${m.type}]`}</div>
            {!m.fromMe && (
              <button type="button" class="link" onClick={() => setTo(m.remoteJid.split('@')[0])}>{t('messages.reply')}</button>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={send} class="row">
        <label>
          {t('messages.to')}
          <input name="to" inputMode="tel" required pattern="\+?\d{6,15}" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label class="grow">
          {t('messages.text')}
          <input name="text" required value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>{t('messages.send')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
