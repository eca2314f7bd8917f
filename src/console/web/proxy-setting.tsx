/**
 * A session's proxy (PATCH /sessions/:id { proxy }): shown without credentials, as the API answers
 * it; changed or removed here, applied at the session's next connect (Restart applies it now).
 * The URL typed (with its password) is sent once and never kept in the page after saving.
 */
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { store, type Session } from './store.js';
import { useAction } from './use-action.js';

export function ProxySetting({ session }: { session: Session }) {
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState('');
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();

  const save = async (proxy: string | null): Promise<void> => {
    setSaved(false);
    const ok = await run(async () => {
      const { data } = await api<{ data: Session }>('PATCH', `sessions/${session.id}`, { proxy });
      store.patch(session.id, data);
    });
    if (ok) {
      setUrl('');
      setEditing(false);
      setSaved(true);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void save(url.trim());
  };

  return (
    <section class="proxy" data-testid="proxy-setting">
      <p class="row">
        <span>{t('proxy.label')}:</span>{' '}
        <span class="mono" data-testid="proxy-value">{session.proxy ?? t('proxy.none')}</span>
        {!editing && (
          <button type="button" class="link" disabled={busy} onClick={() => setEditing(true)}>{t('proxy.change')}</button>
        )}
        {!editing && session.proxy && (
          <button type="button" class="link danger-outline" disabled={busy} onClick={() => void save(null)}>{t('proxy.remove')}</button>
        )}
      </p>
      {editing && (
        <form onSubmit={submit} class="row">
          <label>
            {t('proxy.url')}
            <input
              name="proxyUrl" type="text" autocomplete="off" spellcheck={false} required
              placeholder="socks5://user:password@host:1080" value={url} onInput={(e) => setUrl(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={busy}>{t('proxy.save')}</button>
          <button type="button" disabled={busy} onClick={() => setEditing(false)}>{t('connect.cancel')}</button>
        </form>
      )}
      {session.disconnectedReason === 'proxy_error' && session.status !== 'connected' && (
        <p class="error" data-testid="proxy-error">{t('proxy.refused')}</p>
      )}
      {saved && <p class="muted" data-testid="proxy-saved">{t('proxy.applies')}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
