/**
 * What a sandbox contact's message carries, checked and turned into the simulator's content:
 * exactly one of `text` (optionally with `linkPreview`), `media` (its caption inside), `location`,
 * `contacts`, `poll` or `event`. `text` beside `media` stays accepted (it was before) and is ignored.
 */
import { AppError } from '../common/app-error.js';
import type { RichContent } from '../simulator/message-kinds.js';
import type { ContactMessageDto } from './sandbox.dto.js';

const KINDS = ['media', 'location', 'contacts', 'poll', 'event'] as const;

/** An optional field sent as null counts as not sent. */
export const absent = (value: unknown): value is null | undefined => value === undefined || value === null;

export function richContent(m: ContactMessageDto): RichContent {
  const given = KINDS.filter((k) => !absent(m[k]));
  if (given.length === 0 && absent(m.text)) throw AppError.badRequest('Give text, media, location, contacts, poll or event');
  if (given.length > 1) throw AppError.badRequest(`Give exactly one of media, location, contacts, poll, event (got ${given.join(', ')})`);
  if (given.length === 1 && given[0] !== 'media' && !absent(m.text)) throw AppError.badRequest(`text cannot go with ${given[0]}`);
  if (m.linkPreview && (absent(m.text) || given.length > 0)) throw AppError.badRequest('linkPreview goes with text (and nothing else)');
  const out: RichContent = {};
  if (m.location) out.location = { latitude: m.location.latitude, longitude: m.location.longitude, name: m.location.name ?? undefined, address: m.location.address ?? undefined, url: m.location.url ?? undefined, live: m.location.live ?? undefined };
  if (m.contacts) {
    out.contacts = m.contacts.map((c, i) => {
      if (absent(c.phone) === absent(c.vcard)) throw AppError.badRequest(`contacts[${i}]: give phone or vcard (one of them)`);
      return !absent(c.vcard) ? { vcard: c.vcard, displayName: c.displayName ?? undefined } : { phone: c.phone!, displayName: c.displayName ?? undefined };
    });
  }
  if (m.poll) {
    const selectableCount = m.poll.selectableCount ?? 1;
    if (selectableCount > m.poll.options.length) throw AppError.badRequest('poll.selectableCount cannot exceed the number of options');
    out.poll = { name: m.poll.name, options: m.poll.options, selectableCount };
  }
  if (m.linkPreview) out.linkPreview = { url: m.linkPreview.url, title: m.linkPreview.title, description: m.linkPreview.description ?? undefined };
  if (m.event) out.event = { name: m.event.name, description: m.event.description ?? undefined, startAt: Date.parse(m.event.startAt) };
  return out;
}
