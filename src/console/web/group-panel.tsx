/**
 * A group conversation's participants: who is in it (admins and the creator marked), and, for an
 * admin, adding one by number and removing one (after a confirmation). The list follows
 * `session.groups.participants` live (group-store.ts).
 */
import { useState } from 'preact/hooks';
import { ConfirmDialog } from './confirm.js';
import { changeParticipants, type Participant, type ParticipantResult } from './groups-api.js';
import { groupStore, pushNamesIn, useGroup } from './group-store.js';
import { t, type MessageKey } from './i18n.js';
import type { Session } from './store.js';
import { useAction } from './use-action.js';

const numberOf = (p: Participant): string => (p.phone ? `+${p.phone}` : p.jid);
/** The member's push name (when they wrote in the loaded messages) and number. */
const nameOf = (p: Participant, names: Map<string, string>): string => {
  const name = p.phone ? names.get(p.phone) : undefined;
  return name ? `${name} · ${numberOf(p)}` : numberOf(p);
};
const digits = (s: string): string => s.replace(/\D/g, '');
const RESULT: Record<number, MessageKey> = { 403: 'groups.result403', 404: 'groups.result404', 408: 'groups.result408', 409: 'groups.result409' };

/** The refusals among WhatsApp's answers for each participant, in words. */
function refusals(results: ParticipantResult[]): string | null {
  const refused = results.filter((r) => r.status !== 200);
  if (refused.length === 0) return null;
  return refused.map((r) => `${r.phone ? `+${r.phone}` : r.jid}: ${RESULT[r.status] ? t(RESULT[r.status]) : r.status}`).join(' · ');
}

function Role({ admin }: { admin: Participant['admin'] }) {
  if (!admin) return null;
  return <span class={`role ${admin}`} data-testid="participant-role">{t(admin === 'superadmin' ? 'groups.superadmin' : 'groups.admin')}</span>;
}

export function GroupPanel({ session, jid }: { session: Session; jid: string }) {
  const group = useGroup(session.id, jid);
  const [open, setOpen] = useState(false);
  const [number, setNumber] = useState('');
  const [removing, setRemoving] = useState<Participant | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  if (group === null) return null;
  const names = pushNamesIn(session.id, jid);
  const participants = [...(group?.participants ?? [])].sort((a, b) => Number(!!b.admin) - Number(!!a.admin));

  const change = (action: 'add' | 'remove', who: string) => void run(async () => {
    setNotice(null);
    const answer = await changeParticipants(session.id, jid, action, [who]);
    setNotice(refusals(answer.data));
    if (action === 'add') setNumber('');
    // The event updates the list too; reading the group again shows the change even if the socket is down.
    await groupStore.loadGroup(session.id, jid);
  });
  const add = (e: Event) => {
    e.preventDefault();
    change('add', digits(number));
  };

  return (
    <div class="group-panel">
      <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="participants-toggle">
        👥 {t('groups.participants', { n: group?.participants?.length ?? group?.size ?? '…' })}
      </button>
      {open && (
        <section class="card participants" aria-label={t('groups.participantsTitle')} data-testid="participants-panel">
          {group?.description && <p class="muted small">{group.description}</p>}
          <ul class="participant-rows">
            {participants.map((p) => {
              const me = p.phone !== null && p.phone === session.phone;
              return (
                <li key={p.jid} class="row spread" data-testid="participant" data-phone={p.phone ?? ''}>
                  <span>{me ? t('groups.you') : nameOf(p, names)} <Role admin={p.admin} /></span>
                  {group?.iAmAdmin && !me && p.admin !== 'superadmin' && (
                    <button type="button" class="link danger-text" disabled={busy} onClick={() => setRemoving(p)}>{t('groups.remove')}</button>
                  )}
                </li>
              );
            })}
          </ul>
          {group?.iAmAdmin && (
            <form class="row" onSubmit={add}>
              <label class="grow">
                {t('groups.addNumber')}
                <input name="participant" inputMode="tel" required pattern="\+?[\d\s\-]{6,20}" value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
              </label>
              <button type="submit" disabled={busy}>{t('groups.add')}</button>
            </form>
          )}
          {notice && <p class="error" role="alert" data-testid="participants-notice">{notice}</p>}
          {error && <p class="error" role="alert">{error}</p>}
        </section>
      )}
      {removing && (
        <ConfirmDialog message={t('groups.confirmRemove', { who: nameOf(removing, names), group: group?.subject ?? '' })}
          onConfirm={() => change('remove', removing.phone ?? removing.jid)} onClose={() => setRemoving(null)} />
      )}
    </div>
  );
}
