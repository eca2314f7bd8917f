/** "Nuevo grupo": a subject and the members' numbers (one per line or comma-separated), created with `POST groups`; the new group then opens. */
import { useState } from 'preact/hooks';
import { createGroup } from './groups-api.js';
import { groupStore } from './group-store.js';
import { t } from './i18n.js';
import { useAction } from './use-action.js';

/** The numbers typed, as digits (a leading + and spaces or dashes are fine). */
export const numbersOf = (text: string): string[] => text.split(/[\n,;]+/).map((n) => n.replace(/[^\d]/g, '')).filter((n) => n.length > 0);

export function NewGroup({ sessionId, onCreated }: { sessionId: string; onCreated: (jid: string) => void }) {
  const [open, setOpen] = useState(false);
  const [subject, setSubject] = useState('');
  const [members, setMembers] = useState('');
  const { busy, error, run } = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const group = await createGroup(sessionId, subject.trim(), numbersOf(members));
      // The group has no chat until a message: it is listed from the groups (group-store.ts).
      await groupStore.loadGroup(sessionId, group.jid);
      setSubject('');
      setMembers('');
      setOpen(false);
      onCreated(group.jid);
    });
  };

  if (!open) return <button type="button" onClick={() => setOpen(true)} data-testid="new-group">👥 {t('groups.new')}</button>;
  return (
    <form class="card new-group" onSubmit={submit} aria-label={t('groups.new')} data-testid="new-group-form">
      <label>
        {t('groups.subject')}
        <input name="subject" required maxLength={100} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
      </label>
      <label>
        {t('groups.members')}
        <textarea name="members" required rows={3} value={members} onInput={(e) => setMembers(e.currentTarget.value)} />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>{t('groups.create')}</button>
        <button type="button" onClick={() => setOpen(false)}>{t('connect.cancel')}</button>
      </div>
    </form>
  );
}
