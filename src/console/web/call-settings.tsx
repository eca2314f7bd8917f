/** The tenant's call auto-reject (GET/POST config/calls): reject every call, optionally answering with a text once an hour. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { useAction } from './use-action.js';

interface CallSettings {
  autoReject: boolean;
  message: string | null;
}

export function CallSettingsPanel() {
  const [settings, setSettings] = useState<CallSettings | null>(null);
  const [autoReject, setAutoReject] = useState(false);
  const [message, setMessage] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => {
    void api<CallSettings>('GET', 'config/calls')
      .then((s) => {
        setSettings(s);
        setAutoReject(s.autoReject);
        setMessage(s.message ?? '');
      })
      .catch(() => undefined);
  }, []);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const text = message.trim();
      setSettings(await api<CallSettings>('POST', 'config/calls', { autoReject, ...(text ? { message: text } : {}) }));
    });
  };
  return (
    <details class="card call-settings" data-testid="call-settings" open={settings?.autoReject ?? false}>
      <summary>📞 {t('calls.title')}: <span data-testid="call-settings-state">{settings?.autoReject ? t('calls.on') : t('calls.off')}</span></summary>
      <form onSubmit={submit} class="row">
        <label class="row">
          <input name="autoReject" type="checkbox" checked={autoReject} onChange={(e) => setAutoReject(e.currentTarget.checked)} />
          {t('calls.autoReject')}
        </label>
        <label>
          {t('calls.message')}
          <input name="callMessage" maxLength={1000} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>{t('calls.save')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </details>
  );
}
