/** Request and response shapes of /chats (CONTRACT.md "Chats, messages, contacts"), with mappers. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { SendContactCardDto, SendLocationDto, SendPollDto } from './send-kinds.dto.js';

export const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_TEXT = 65_536;
/** A mention: digits (optional +), a PN jid or a LID jid. */
const MENTION = /^(\+?\d{6,15}|\d{6,15}@s\.whatsapp\.net|\d{1,20}@lid)$/;

export { PageQueryDto, SessionQueryDto } from '../common/page-query.dto.js';
import { MessageContactCardDto, MessageEventDto, MessageLinkPreviewDto, MessageLocationDto, MessagePollDto } from './message-kinds.dto.js';

export class ReactionGroupDto {
  @ApiProperty({ example: '👍' }) emoji: string;
  @ApiProperty({ example: 2 }) count: number;
  @ApiProperty({ example: ['51999999999@s.whatsapp.net', '51888888888@s.whatsapp.net'] }) actors: string[];
}

export class MessageMediaDto {
  @ApiProperty({ example: 'image' }) kind: string;
  @ApiProperty({
    nullable: true,
    example: '/media/0b6f6a5e-3f1e-4a53-9c55-6d8f8e0c2a11/content',
    description: 'Minted on every read, never stored (S3_PUBLIC_BASE_URL + key, presigned, or GET /media/:id/content); null until the media is downloaded',
  })
  url: string | null;
  @ApiProperty({ nullable: true, example: 'image/jpeg' }) mime: string | null;
  @ApiProperty({ nullable: true, example: 120483 }) size: number | null;
  @ApiProperty({ nullable: true, example: 720 }) width: number | null;
  @ApiProperty({ nullable: true, example: 1280 }) height: number | null;
  @ApiProperty({ nullable: true, example: null }) duration: number | null;
  @ApiProperty({ nullable: true, example: null }) fileName: string | null;
  @ApiProperty({ nullable: true, example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', description: 'SHA-256 of the file, hex' }) sha256: string | null;
  @ApiProperty({ nullable: true, format: 'uuid', description: 'The media object (GET /media/:id) once a download or a send made one' }) mediaId: string | null;
  @ApiProperty({
    enum: ['not_downloaded', 'pending', 'downloading', 'stored', 'failed'],
    example: 'stored',
    description: 'not_downloaded: automatic downloads are off (POST /chats/:jid/messages/:messageId/media fetches it)',
  })
  state: 'not_downloaded' | 'pending' | 'downloading' | 'stored' | 'failed';
}

export class MessageDto {
  @ApiProperty({ example: '3EB0C431C26A1916F4A8' }) id: string;
  @ApiProperty({ example: '51999999999@s.whatsapp.net' }) chatJid: string;
  @ApiProperty({ example: false }) fromMe: boolean;
  @ApiProperty({ nullable: true, example: '51999999999@s.whatsapp.net' }) senderJid: string | null;
  @ApiProperty({ nullable: true, example: '51999999999' }) senderPhone: string | null;
  @ApiProperty({ nullable: true, example: 'Ada' }) pushName: string | null;
  @ApiProperty({ example: 1767220050, description: 'Unix seconds' }) timestamp: number;
  @ApiProperty({ example: 'conversation', description: "WhatsApp's content type" }) type: string;
  @ApiProperty({ nullable: true, example: 'Como estas?' }) text: string | null;
  @ApiProperty({ nullable: true, enum: ['pending', 'sent', 'delivered', 'read', 'played', 'error'], example: 'read' }) status: string | null;
  @ApiProperty({ nullable: true, example: null }) quotedMessageId: string | null;
  @ApiProperty({ example: false }) forwarded: boolean;
  @ApiProperty({ nullable: true, example: null, description: 'Unix seconds of the last edit' }) editedAt: number | null;
  @ApiProperty({ nullable: true, example: null, description: 'Unix seconds of the deletion for everyone' }) deletedAt: number | null;
  @ApiProperty({ type: [ReactionGroupDto] }) reactions: ReactionGroupDto[];
  @ApiProperty({ type: MessageMediaDto, nullable: true }) media: MessageMediaDto | null;
  @ApiProperty({ type: MessageLocationDto, nullable: true }) location: MessageLocationDto | null;
  @ApiProperty({ type: [MessageContactCardDto], nullable: true, description: 'Contact cards (vCards parsed)' }) contacts: MessageContactCardDto[] | null;
  @ApiProperty({ type: MessagePollDto, nullable: true, description: 'The poll with its decrypted, aggregated votes' }) poll: MessagePollDto | null;
  @ApiProperty({ type: MessageLinkPreviewDto, nullable: true }) linkPreview: MessageLinkPreviewDto | null;
  @ApiProperty({ type: MessageEventDto, nullable: true }) event: MessageEventDto | null;
  @ApiProperty({ example: [], description: 'Jids mentioned in the message' }) mentions: string[];
}

export class LastMessageDto {
  @ApiProperty({ example: '3EB0C431C26A1916F4A8' }) id: string;
  @ApiProperty({ example: false }) fromMe: boolean;
  @ApiProperty({ example: 1767220050 }) timestamp: number;
  @ApiProperty({ example: 'conversation' }) type: string;
  @ApiProperty({ nullable: true, example: 'Como estas?' }) text: string | null;
  @ApiProperty({ nullable: true, example: 'delivered' }) status: string | null;
}

export class ChatDto {
  @ApiProperty({ example: '51999999999@s.whatsapp.net' }) jid: string;
  @ApiProperty({ nullable: true, example: '51999999999@s.whatsapp.net' }) pnJid: string | null;
  @ApiProperty({ nullable: true, example: '123456789012345@lid' }) lidJid: string | null;
  @ApiProperty({ nullable: true, example: 'Ada', description: "A group's subject; a contact's name" }) name: string | null;
  @ApiProperty({ example: false, description: 'A group chat (…@g.us)' }) isGroup: boolean;
  @ApiProperty({ example: 2 }) unreadCount: number;
  @ApiProperty({ type: LastMessageDto, nullable: true }) lastMessage: LastMessageDto | null;
  @ApiProperty({ nullable: true, example: 1767220050 }) lastMessageAt: number | null;
  @ApiProperty({ example: false }) archived: boolean;
  @ApiProperty({ example: false }) pinned: boolean;
  @ApiProperty({ nullable: true, example: null, description: 'Unix seconds' }) mutedUntil: number | null;
}

export class ChatPageDto {
  @ApiProperty({ type: [ChatDto] }) data: ChatDto[];
  @ApiProperty({ nullable: true, example: 'WzE3NjcyMjAwNTAsIjQyIl0' }) nextCursor: string | null;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto] }) data: MessageDto[];
  @ApiProperty({ nullable: true, example: 'WzE3NjcyMjAwNTAsIjQyIl0' }) nextCursor: string | null;
}

export class SendChatMessageDto {
  @ApiPropertyOptional({ example: 'Hola!', maxLength: MAX_TEXT })
  @ValidateIf((o: SendChatMessageDto) => (o.forwardMessageId === undefined && o.mediaId === undefined && !hasKind(o)) || o.content !== undefined)
  @IsString() @MinLength(1) @MaxLength(MAX_TEXT) content?: string;
  @ApiPropertyOptional({ example: '3EB0C431C26A1916F4A8', description: 'Reply to this message of the chat' })
  @IsOptional() @IsString() @Matches(MESSAGE_ID) replyToMessageId?: string;
  @ApiPropertyOptional({ example: '3EB0C431C26A1916F4A8', description: 'Forward this stored message (of any chat of the session)' })
  @IsOptional() @IsString() @Matches(MESSAGE_ID) forwardMessageId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Send this uploaded media (POST /media) as an image, video, audio, voice note, document or sticker, per its kind; `content` is its caption (images, videos, documents)',
  })
  @IsOptional() @IsUUID() mediaId?: string;
  @ApiPropertyOptional({ type: SendLocationDto, description: 'Send a location (instead of content, mediaId or forwardMessageId)' })
  @IsOptional() @ValidateNested() @Type(() => SendLocationDto) location?: SendLocationDto;
  @ApiPropertyOptional({ type: [SendContactCardDto], description: 'Send 1 to 10 contact cards' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => SendContactCardDto) contacts?: SendContactCardDto[];
  @ApiPropertyOptional({ type: SendPollDto, description: 'Send a poll (2 to 12 options); votes arrive as session.messages.poll and in the message\'s `poll`' })
  @IsOptional() @ValidateNested() @Type(() => SendPollDto) poll?: SendPollDto;
  @ApiPropertyOptional({
    example: true,
    description: "With `content`: a preview (title, description) of the text's first http(s) URL, fetched through the session's proxy within 5 s; " +
      'private addresses are never fetched (unless ALLOW_PRIVATE_URLS=true); on any failure the text goes without a preview',
  })
  @IsOptional() @IsBoolean() linkPreview?: boolean;
  @ApiPropertyOptional({ example: ['5491123456789'], description: 'Who the text @-mentions: phones (digits) or PN/LID jids (groups, and 1:1 too); up to 256' })
  @IsOptional() @IsArray() @ArrayMaxSize(256) @IsString({ each: true }) @Matches(MENTION, { each: true, message: 'each mention must be a phone number (digits) or a PN/LID jid' }) mentions?: string[];
}

/** Whether the body sends a location, cards or a poll. */
export function hasKind(o: Pick<SendChatMessageDto, 'location' | 'contacts' | 'poll'>): boolean {
  return o.location !== undefined || o.contacts !== undefined || o.poll !== undefined;
}

export class ReceiptDto {
  @ApiProperty({ example: '123456789012345@lid', description: 'The recipient: a group member, or the 1:1 contact' }) jid: string;
  @ApiProperty({ nullable: true, example: '5491123456789', description: 'Digits, where known' }) phone: string | null;
  @ApiProperty({ enum: ['delivered', 'read', 'played'], example: 'read' }) status: 'delivered' | 'read' | 'played';
  @ApiProperty({ nullable: true, example: 1767220050, description: 'Unix seconds of that status' }) at: number | null;
}

export class ReceiptListDto {
  @ApiProperty({ type: [ReceiptDto] }) data: ReceiptDto[];
}

export class SentChatMessageDto {
  @ApiProperty({ example: '3EB0C431C26A1916F4A8' }) id: string;
  @ApiProperty({ example: '51999999999@s.whatsapp.net' }) chatJid: string;
  @ApiProperty({ example: 'sent' }) status: string;
  @ApiProperty({ example: 1767220050 }) timestamp: number;
}

export class ReadMessagesDto {
  @ApiProperty({ example: ['3EB0C431C26A1916F4A8'], minItems: 1, maxItems: 500 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsString({ each: true }) @Matches(MESSAGE_ID, { each: true }) messageIds: string[];
}

export class ReadResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 1, description: 'Messages that were unread' }) marked: number;
}

export class EditMessageDto {
  @ApiProperty({ example: 'Texto editado' }) @IsString() @MinLength(1) @MaxLength(MAX_TEXT) content: string;
}

export class ReactDto {
  @ApiProperty({ nullable: true, example: '👍', description: '`null` removes your reaction' })
  @ValidateIf((o: ReactDto) => o.emoji !== null) @IsString() @MinLength(1) @MaxLength(32) emoji: string | null;
}

export class PresenceDto {
  @ApiProperty({ enum: ['composing', 'paused', 'available'], example: 'composing' })
  @IsIn(['composing', 'paused', 'available']) presence: 'composing' | 'paused' | 'available';
}

export class OkDto {
  @ApiProperty({ example: true }) success: true;
}

export class ChangedMessageDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: MessageDto }) data: MessageDto;
}
