/** Sandbox mode only: plays the phone (scan, enter a pairing code, unlink) and a contact (texts the session). */
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import type { Session } from './store.js';
import { useAction } from './use-action.js';

const randomPhone = (): string => `54911${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

interface Inbox {
  messages: { id: string; kind: string; text?: string }[];
}

interface SandboxProps {
  session: Session;
  inbox: boolean;
  /** The pairing code the console shows: the phone enters it instead of scanning. */
  pairingCode?: string | null;
}

export function SandboxPhone({ session, inbox: hasInbox, pairingCode }: SandboxProps) {
  const [phone, setPhone] = useState(randomPhone);
  const [profileName, setProfileName] = useState('');
  const [code, setCode] = useState('');
  const [contact, setContact] = useState(randomPhone);
  const [text, setText] = useState('Hola!');
  const [sent, setSent] = useState(false);
  const [inbox, setInbox] = useState<Inbox | null>(null);
  const { busy, error, run } = useAction();
  const id = session.id;

  const scan = (e: Event) => {
    e.preventDefault();
    void run(() => api('POST', `sandbox/sessions/${id}/scan`, { phoneNumber: phone, ...(profileName.trim() ? { pushName: profileName.trim() } : {}) }));
  };
  const enterCode = (e: Event) => {
    e.preventDefault();
    void run(() => api('POST', `sandbox/sessions/${id}/pairing-code`, { code: code.replace(/[\s-]/g, '').toUpperCase() }));
  };
  const sendAsContact = (e: Event) => {
    e.preventDefault();
    setSent(false);
    void run(() => api('POST', `sandbox/contacts/${contact}/messages`, { to: session.phone, text })).then((ok) => setSent(ok));
  };

  return (
    <section class="sandbox" aria-labelledby={`sandbox-${id}`} data-testid="sandbox-panel">
      <h3 id={`sandbox-${id}`}>📱 {t('sandbox.title')}</h3>
      {pairingCode ? (
        <form onSubmit={enterCode} class="row">
          <label>
            {t('sandbox.code')}
            <input name="pairingCodeInput" autocomplete="off" required pattern="[A-Za-z0-9\s\-]{8,10}" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>{t('sandbox.enterCode')}</button>
        </form>
      ) : session.status === 'qr_required' && (
        <form onSubmit={scan} class="row">
          <label>
            {t('sandbox.phone')}
            <input name="phoneNumber" inputMode="numeric" pattern="\d{6,15}" required value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
          </label>
          <label>
            {t('sandbox.profileName')}
            <input name="profileName" maxLength={100} value={profileName} onInput={(e) => setProfileName(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>{t('sandbox.scan')}</button>
        </form>
      )}
      {session.status === 'connected' && (
        <>
          <form onSubmit={sendAsContact} class="row">
            <label>
              {t('sandbox.contact')}
              <input name="contact" inputMode="numeric" pattern="\d{6,15}" required value={contact} onInput={(e) => setContact(e.currentTarget.value)} />
            </label>
            <label class="grow">
              {t('sandbox.text')}
              <input name="contactText" required value={text} onInput={(e) => setText(e.currentTarget.value)} />
            </label>
            <button type="submit" disabled={busy}>{t('sandbox.send')}</button>
          </form>
          {sent && <p class="muted" role="status">{t('sandbox.sent')}</p>}
          {hasInbox && (
            <div class="inbox">
              <button type="button" disabled={busy}
                onClick={() => void run(async () => setInbox(await api<Inbox>('GET', `sandbox/contacts/${contact}/inbox?from=${session.phone ?? ''}`)))}>
                {t('sandbox.refreshInbox')}
              </button>
              {inbox && (
                <ul aria-label={t('sandbox.inbox')} data-testid="contact-inbox">
                  {inbox.messages.length === 0 && <li class="muted">{t('sandbox.inboxEmpty')}</li>}
                  {inbox.messages.map((m) => <li key={m.id}>{m.text ?? `[${m.kind}]`}</li>)}
                </ul>
              )}
            </div>
          )}
          <button type="button" class="danger-outline" disabled={busy} onClick={() => void run(() => api('POST', `sandbox/sessions/${id}/remove-device`))}>
            {t('sandbox.remove')}
          </button>
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
