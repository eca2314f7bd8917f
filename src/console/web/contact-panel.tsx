/**
 * The open conversation's title with the contact's picture, and its profile panel (GET
 * contacts/:jid/profile: picture, name, push name, about, business) in a native <dialog>, with
 * "Bloquear"/"Desbloquear" (POST contacts/:jid/block|unblock; the state is the account's
 * blocklist as WhatsApp answers it).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Avatar } from './avatar.js';
import { changeBlock, isBlocked, reloadBlocklist, useBlocklist } from './blocklist.js';
import { contactProfile, type ContactProfile } from './contacts-api.js';
import { t } from './i18n.js';
import { formatPhone } from './status.js';
import { useAction } from './use-action.js';

function ContactPanel({ sessionId, jid, title, onClose }: { sessionId: string; jid: string; title: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [profile, setProfile] = useState<ContactProfile | null | undefined>(undefined);
  const blocked = isBlocked(useBlocklist(sessionId), [jid, profile?.jid]);
  const { busy, error, run } = useAction();
  useEffect(() => {
    ref.current?.showModal();
    void contactProfile(sessionId, jid, true).then(setProfile);
    void run(() => reloadBlocklist(sessionId));
  }, []);
  const fact = (label: string, value: string | null | undefined, testid: string) =>
    value ? (<><dt>{label}</dt><dd data-testid={testid}>{value}</dd></>) : null;
  return (
    <dialog ref={ref} aria-labelledby="contact-title" onClose={onClose} data-testid="contact-panel" class="contact-panel">
      <header class="row">
        <Avatar sessionId={sessionId} jid={jid} title={title} size="large" />
        <h2 id="contact-title">{profile?.name || profile?.notify || title}</h2>
      </header>
      {profile === undefined && <p class="muted">{t('chat.loading')}</p>}
      {profile === null && <p class="muted">{t('contacts.noProfile')}</p>}
      {profile && (
        <dl class="facts">
          {fact(t('contacts.phone'), profile.phone ? formatPhone(profile.phone) : null, 'contact-phone')}
          {fact(t('contacts.name'), profile.name, 'contact-name')}
          {fact(t('contacts.notify'), profile.notify, 'contact-notify')}
          {fact(t('contacts.about'), profile.about, 'contact-about')}
          <dt>{t('contacts.account')}</dt><dd data-testid="contact-business">{profile.isBusiness ? t('contacts.business') : t('contacts.personal')}</dd>
        </dl>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        {!jid.endsWith('@g.us') && (
          <button type="button" class={blocked ? '' : 'danger-outline'} disabled={busy} data-testid="block-toggle"
            onClick={() => void run(() => changeBlock(sessionId, profile?.jid ?? jid, !blocked))}>
            {blocked ? t('contacts.unblock') : t('contacts.block')}
          </button>
        )}
        <button type="button" onClick={() => ref.current?.close()}>{t('contacts.close')}</button>
      </div>
    </dialog>
  );
}

/** The conversation's heading: picture (or initial), name, and the button that opens the profile. */
export function ContactTitle({ sessionId, jid, title, headingId }: { sessionId: string; jid: string; title: string; headingId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="row contact-title">
      <Avatar sessionId={sessionId} jid={jid} title={title} />
      <h4 id={headingId}>{title}</h4>
      {!jid.endsWith('@g.us') && <button type="button" class="link" onClick={() => setOpen(true)}>{t('contacts.profile')}</button>}
      {open && <ContactPanel sessionId={sessionId} jid={jid} title={title} onClose={() => setOpen(false)} />}
    </div>
  );
}
