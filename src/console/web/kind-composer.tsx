/**
 * The composer's "+" menu: send a location, a contact card or a poll to the open chat
 * (`POST chats/:jid/messages` with `location`, `contacts` or `poll`), each from a small form.
 */
import { useState } from 'preact/hooks';
import { chatStore } from './chat-store.js';
import { sendMessage, type SendBody } from './chats-api.js';
import { t } from './i18n.js';
import { useAction } from './use-action.js';

type Kind = 'location' | 'contact' | 'poll';

const field = (form: HTMLFormElement, name: string): string => ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '').trim();

/** The send body of the submitted form. */
function bodyOf(kind: Kind, form: HTMLFormElement): SendBody {
  if (kind === 'location') {
    const name = field(form, 'name');
    return { location: { latitude: Number(field(form, 'latitude')), longitude: Number(field(form, 'longitude')), ...(name ? { name } : {}) } };
  }
  if (kind === 'contact') {
    const displayName = field(form, 'displayName');
    return { contacts: [{ phone: field(form, 'phone').replace(/\D/g, ''), ...(displayName ? { displayName } : {}) }] };
  }
  const options = field(form, 'options').split('\n').map((o) => o.trim()).filter(Boolean);
  const many = (form.elements.namedItem('many') as HTMLInputElement | null)?.checked ?? false;
  return { poll: { name: field(form, 'question'), options, selectableCount: many ? 0 : 1 } };
}

export function KindComposer({ sessionId, jid }: { sessionId: string; jid: string }) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<Kind | null>(null);
  const { busy, error, run } = useAction();
  const pick = (k: Kind) => {
    setKind(k);
    setOpen(false);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (!kind) return;
    const form = e.currentTarget as HTMLFormElement;
    void run(async () => {
      await sendMessage(sessionId, jid, bodyOf(kind, form));
      setKind(null);
      await chatStore.refreshNewest(sessionId, jid);
    });
  };
  return (
    <div class="kind-composer" data-testid="kind-composer">
      <button type="button" class="plus" aria-expanded={open} aria-haspopup="menu" aria-label={t('kinds.more')} onClick={() => setOpen(!open)}>+</button>
      {open && (
        <div role="menu" class="kind-menu">
          <button type="button" role="menuitem" onClick={() => pick('location')}>📍 {t('kinds.sendLocation')}</button>
          <button type="button" role="menuitem" onClick={() => pick('contact')}>👤 {t('kinds.sendContact')}</button>
          <button type="button" role="menuitem" onClick={() => pick('poll')}>📊 {t('kinds.sendPoll')}</button>
        </div>
      )}
      {kind && (
        <form class="kind-form" onSubmit={submit} data-testid={`kind-form-${kind}`} aria-label={t(kind === 'location' ? 'kinds.sendLocation' : kind === 'contact' ? 'kinds.sendContact' : 'kinds.sendPoll')}>
          {kind === 'location' && (
            <div class="row">
              <label>{t('kinds.latitude')}<input name="latitude" type="number" step="any" min={-90} max={90} required /></label>
              <label>{t('kinds.longitude')}<input name="longitude" type="number" step="any" min={-180} max={180} required /></label>
              <label class="grow">{t('kinds.placeName')}<input name="name" maxLength={255} /></label>
            </div>
          )}
          {kind === 'contact' && (
            <div class="row">
              <label class="grow">{t('kinds.contactName')}<input name="displayName" maxLength={255} /></label>
              <label>{t('kinds.contactPhone')}<input name="phone" type="tel" pattern="[+\d\s\-()]{6,24}" required /></label>
            </div>
          )}
          {kind === 'poll' && (
            <>
              <label>{t('kinds.question')}<input name="question" maxLength={255} required /></label>
              <label>{t('kinds.options')}<textarea name="options" rows={4} required /></label>
              <label class="check"><input name="many" type="checkbox" /> {t('kinds.allowMany')}</label>
            </>
          )}
          <div class="row end">
            <button type="button" class="link" onClick={() => setKind(null)}>{t('kinds.cancel')}</button>
            <button type="submit" class="primary" disabled={busy}>{t('messages.send')}</button>
          </div>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
