/**
 * Mentions in groups: in the composer, "@" offers the group's participants and picking one writes
 * "@<number>" (as WhatsApp expects the text); the send then carries every participant whose
 * "@<number>" is in the text as `mentions`. In bubbles, a mentioned "@<number>" is highlighted.
 */
import type { Message } from './chats-api.js';
import type { Participant } from './groups-api.js';
import { groupStore, pushNamesIn, useGroupStore } from './group-store.js';
import { t } from './i18n.js';

const user = (jid: string): string => jid.split('@')[0].split(':')[0];
/** What follows "@" in the text for this participant: the phone, or the LID's digits when WhatsApp gave no phone. */
const tokenOf = (p: Participant): string => p.phone ?? user(p.jid);
/** The "@…" being typed at the end of the text, if any. */
const typing = (text: string): string | null => /(?:^|\s)@(\d*)$/.exec(text)?.[1] ?? null;
const hasToken = (text: string, token: string): boolean => new RegExp(`(^|[^\\w])@${token}(?!\\d)`).test(text);

/** What the send's `mentions` are: the participants whose "@<number>" is in the text (phones, or jids without one). */
export function mentionsOf(text: string, participants: Participant[]): string[] {
  return participants.filter((p) => hasToken(text, tokenOf(p))).map((p) => p.phone ?? p.jid);
}

interface PickerProps {
  sessionId: string;
  jid: string;
  text: string;
  participants: Participant[];
  /** The session's own number, left out of the offer. */
  me: string | null;
  onPick: (text: string) => void;
}

/** The participants offered while an "@…" is being typed; picking one completes it. */
export function MentionPicker({ sessionId, jid, text, participants, me, onPick }: PickerProps) {
  const query = typing(text);
  if (query === null) return null;
  const offered = participants.filter((p) => p.phone !== me && tokenOf(p).includes(query)).slice(0, 8);
  if (offered.length === 0) return null;
  const names = pushNamesIn(sessionId, jid);
  return (
    <ul class="mention-picker" role="group" aria-label={t('groups.mentionPicker')} data-testid="mention-picker">
      {offered.map((p) => (
        <li key={p.jid}>
          <button type="button" class="link" onClick={() => onPick(`${text.slice(0, text.length - query.length)}${tokenOf(p)} `)}>
            @{p.phone ? `+${p.phone}` : tokenOf(p)}{p.phone && names.has(p.phone) ? ` ${names.get(p.phone)}` : ''}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** A message's text with its mentions highlighted (by phone, or by LID through the group's participants). */
export function MentionText({ message: m }: { message: Pick<Message, 'text' | 'mentions' | 'chatJid'> }) {
  useGroupStore();
  const mentions = m.mentions ?? [];
  if (!m.text || mentions.length === 0) return <>{m.text}</>;
  const participants = groupStore.participantsOf(m.chatJid);
  // Every number a mentioned person may appear as in the text: the jid's, and the phone and LID of the participant it is.
  const tokens = new Set(mentions.flatMap((jid) => {
    const p = participants.find((x) => [x.jid, x.pnJid, x.lidJid].includes(jid));
    return [user(jid), ...(p ? [p.phone, p.lidJid && user(p.lidJid), p.pnJid && user(p.pnJid)] : [])].filter((x): x is string => !!x);
  }));
  return (
    <>
      {m.text.split(/(@\d+)/).map((part, i) => (part.startsWith('@') && tokens.has(part.slice(1)) ? <mark key={i} class="mention" data-testid="mention">{part}</mark> : part))}
    </>
  );
}
