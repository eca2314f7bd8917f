/**
 * The message kinds beyond text and media, as a bubble shows them: a location (with a link that
 * opens OpenStreetMap at its coordinates; nothing is fetched), contact cards, a poll with its live
 * results and buttons to vote, a link preview and an event.
 */
import type { ContactCard, Message, MessageLocation, MessagePoll } from './chats-api.js';
import { t, type MessageKey } from './i18n.js';

const LABELS: Array<[RegExp, MessageKey]> = [
  [/^(live)?locationMessage$/, 'kinds.location'],
  [/^contacts?(Array)?Message$/, 'kinds.contacts'],
  [/^pollCreationMessage/, 'kinds.pollLabel'],
  [/^eventMessage$/, 'kinds.eventLabel'],
  [/^stickerMessage$/, 'kinds.sticker'],
  [/^audioMessage$/, 'kinds.audio'],
];

/** A readable label for WhatsApp's content type of a message without text (a chat's last message), or null. */
export function kindLabel(type: string): string | null {
  const found = LABELS.find(([re]) => re.test(type));
  return found ? t(found[1]) : null;
}

/** Whether the message carries one of the kinds shown here. */
export const hasKind = (m: Message): boolean => !!(m.location || m.contacts?.length || m.poll || m.linkPreview || m.event);

/** A map link the user opens (OpenStreetMap, marker at the coordinates). */
export function mapUrl(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

function LocationView({ location: l }: { location: MessageLocation }) {
  return (
    <div class="kind kind-location" data-testid="kind-location">
      <p><span aria-hidden="true">📍</span> <strong>{l.name ?? t(l.live ? 'kinds.liveLocation' : 'kinds.location')}</strong></p>
      {l.address && <p class="muted small">{l.address}</p>}
      <p class="small">
        <a href={mapUrl(l.latitude, l.longitude)} target="_blank" rel="noopener noreferrer" data-testid="map-link">{t('kinds.openMap')}</a>
        {' '}<span class="muted">({l.latitude.toFixed(5)}, {l.longitude.toFixed(5)})</span>
      </p>
    </div>
  );
}

function ContactsView({ contacts }: { contacts: ContactCard[] }) {
  return (
    <ul class="kind kind-contacts" data-testid="kind-contacts" aria-label={t('kinds.contacts')}>
      {contacts.map((c, i) => (
        <li key={i} data-testid="contact-card">
          <span aria-hidden="true">👤</span> <strong>{c.displayName ?? t('kinds.contactUnnamed')}</strong>
          {c.phones.map((p) => <span key={p} class="card-phone"> · <a href={`tel:+${p}`}>+{p}</a></span>)}
        </li>
      ))}
    </ul>
  );
}

interface PollProps {
  poll: MessagePoll;
  /** The session's own voter jid, to mark the options it chose. */
  ownJid: string | null;
  onVote: ((options: string[]) => void) | null;
}

function PollView({ poll, ownJid, onVote }: PollProps) {
  const mine = poll.options.filter((o) => ownJid && o.voters.includes(ownJid)).map((o) => o.name);
  const single = poll.selectableCount === 1;
  const choose = (name: string) => {
    if (!onVote) return;
    if (single) return onVote(mine.includes(name) ? [] : [name]);
    onVote(mine.includes(name) ? mine.filter((n) => n !== name) : [...mine, name]);
  };
  return (
    <div class="kind kind-poll" data-testid="kind-poll" role="group" aria-label={t('kinds.poll', { name: poll.name })}>
      <p><span aria-hidden="true">📊</span> <strong>{poll.name}</strong></p>
      <p class="muted small">{single ? t('kinds.pollSingle') : t('kinds.pollMany')}</p>
      <ul class="poll-options">
        {poll.options.map((o) => {
          const share = poll.totalVotes > 0 ? Math.round((o.votes / poll.totalVotes) * 100) : 0;
          return (
            <li key={o.name} data-testid="poll-option" data-option={o.name} data-votes={o.votes}>
              <button type="button" aria-pressed={mine.includes(o.name)} disabled={!onVote} onClick={() => choose(o.name)}
                aria-label={t('kinds.voteFor', { option: o.name, votes: o.votes })}>
                <span class="poll-name">{o.name}</span> <span class="poll-count" data-testid="poll-count">{o.votes}</span>
              </button>
              <span class="poll-bar" style={{ width: `${share}%` }} aria-hidden="true" />
            </li>
          );
        })}
      </ul>
      <p class="muted small" data-testid="poll-total">{t(poll.totalVotes === 1 ? 'kinds.pollTotalOne' : 'kinds.pollTotal', { count: poll.totalVotes })}</p>
    </div>
  );
}

interface KindProps {
  message: Message;
  /** The session's number (digits). */
  me: string | null;
  onVote?: (m: Message, options: string[]) => void;
}

export function MessageKinds({ message: m, me, onVote }: KindProps) {
  return (
    <>
      {m.location && <LocationView location={m.location} />}
      {m.contacts && m.contacts.length > 0 && <ContactsView contacts={m.contacts} />}
      {m.poll && <PollView poll={m.poll} ownJid={me ? `${me}@s.whatsapp.net` : null} onVote={onVote ? (options) => onVote(m, options) : null} />}
      {m.linkPreview && (
        <a class="kind kind-link" data-testid="kind-link-preview" href={m.linkPreview.url} target="_blank" rel="noopener noreferrer">
          <strong>{m.linkPreview.title ?? m.linkPreview.url}</strong>
          {m.linkPreview.description && <span class="muted small">{m.linkPreview.description}</span>}
          <span class="muted small">{m.linkPreview.url}</span>
        </a>
      )}
      {m.event && (
        <div class="kind kind-event" data-testid="kind-event">
          <p><span aria-hidden="true">📅</span> <strong>{m.event.name}</strong></p>
          {m.event.startAt && <p class="small"><time dateTime={m.event.startAt}>{new Date(m.event.startAt).toLocaleString()}</time></p>}
          {m.event.description && <p class="muted small">{m.event.description}</p>}
        </div>
      )}
    </>
  );
}
