/**
 * The account's blocklist (GET contacts/blocklist, read from WhatsApp, so blocks made on the phone
 * show), shared by the "Bloqueados" list and the contact panel's block button, with unblock.
 */
import { useEffect, useState } from 'preact/hooks';
import { blocklist, setBlocked, type BlockedContact } from './contacts-api.js';
import { t } from './i18n.js';
import { formatPhone } from './status.js';
import { useAction } from './use-action.js';

const lists = new Map<string, BlockedContact[]>();
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((l) => l());

export async function reloadBlocklist(sessionId: string): Promise<void> {
  lists.set(sessionId, await blocklist(sessionId));
  changed();
}

/** Blocks or unblocks on WhatsApp, then reads the list again. */
export async function changeBlock(sessionId: string, jid: string, blocked: boolean): Promise<void> {
  await setBlocked(sessionId, jid, blocked);
  await reloadBlocklist(sessionId);
}

export const isBlocked = (list: BlockedContact[] | undefined, jids: Array<string | null | undefined>): boolean =>
  !!list?.some((b) => jids.some((j) => j && (j === b.jid || j === b.pnJid || j === b.lidJid)));

/** The session's blocklist as last read (undefined until the first read), re-rendering on changes. */
export function useBlocklist(sessionId: string): BlockedContact[] | undefined {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    listeners.add(bump);
    return () => void listeners.delete(bump);
  }, []);
  return lists.get(sessionId);
}

function BlockedRow({ sessionId, contact }: { sessionId: string; contact: BlockedContact }) {
  const { busy, error, run } = useAction();
  return (
    <li class="row spread" data-testid="blocked-contact" data-jid={contact.jid}>
      <span>{contact.phone ? formatPhone(contact.phone) : contact.jid}</span>
      <button type="button" disabled={busy} onClick={() => void run(() => changeBlock(sessionId, contact.lidJid ?? contact.jid, false))}>{t('contacts.unblock')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </li>
  );
}

export function BlockedList({ sessionId }: { sessionId: string }) {
  const list = useBlocklist(sessionId);
  const { error, run } = useAction();
  return (
    <details class="blocked" data-testid="blocklist" onToggle={(e) => e.currentTarget.open && void run(() => reloadBlocklist(sessionId))}>
      <summary>🚫 {t('contacts.blocked')}{list ? ` (${list.length})` : ''}</summary>
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="plain">
        {list?.length === 0 && <li class="muted">{t('contacts.noneBlocked')}</li>}
        {list?.map((b) => <BlockedRow key={b.jid} sessionId={sessionId} contact={b} />)}
      </ul>
    </details>
  );
}
