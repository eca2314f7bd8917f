/** The rule that a send carries exactly one content field, and the kind it sends (location, cards, poll). */
import { AppError } from '../common/app-error.js';
import type { OutgoingKind } from '../whatsapp/outgoing-kinds.js';
import type { SendChatMessageDto } from './chats.dto.js';

const KIND_FIELDS = ['location', 'contacts', 'poll'] as const;

/** The location, cards or poll the body sends; a 400 when it also sends anything else. */
export function kindOf(body: SendChatMessageDto): OutgoingKind | undefined {
  if (body.linkPreview === true && (body.content === undefined || body.mediaId !== undefined)) {
    throw AppError.badRequest('linkPreview goes with a text (content), not with media, a forward or another kind', [{ field: 'linkPreview', errors: ['only with a text'] }]);
  }
  const kinds = KIND_FIELDS.filter((f) => body[f] !== undefined);
  if (kinds.length === 0) return undefined;
  const others = (['content', 'mediaId', 'forwardMessageId'] as const).filter((f) => body[f] !== undefined);
  if (kinds.length > 1 || others.length > 0) {
    const fields = [...kinds, ...others];
    throw AppError.badRequest(`Send exactly one of content, mediaId, forwardMessageId, location, contacts or poll (got ${fields.join(', ')})`, fields.map((field) => ({ field, errors: ['only one content field per message'] })));
  }
  const poll = body.poll;
  if (poll && poll.selectableCount !== undefined && poll.selectableCount > poll.options.length) {
    throw AppError.badRequest('poll.selectableCount exceeds the number of options', [{ field: 'poll.selectableCount', errors: ['at most the number of options'] }]);
  }
  return { location: body.location, contacts: body.contacts, poll: body.poll };
}
