/** Bodies and answers of the sandbox contact endpoints (a simulated contact acting towards a session). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBase64Text } from '../common/base64-text.js';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsPhoneDigits } from '../common/phone-digits.js';

export const MESSAGE_ID = /^[A-Za-z0-9]{6,64}$/;
const MEDIA_KINDS = ['image', 'video', 'audio', 'ptt', 'document', 'sticker'] as const;
const MIME = /^[a-z]+\/[a-z0-9.+-]+(;\s*[a-z0-9-]+=[a-z0-9.-]+)*$/i;

export class ContactMediaDto {
  @ApiProperty({ enum: MEDIA_KINDS, example: 'image' })
  @IsIn(MEDIA_KINDS)
  kind: (typeof MEDIA_KINDS)[number];

  @ApiProperty({ example: 'image/png' })
  @IsString() @Matches(MIME, { message: 'mimetype must be a MIME type such as image/png' }) @MaxLength(100)
  mimetype: string;

  @ApiProperty({ example: 'iVBORw0KGgo=', description: 'The file, base64 (up to the largest MEDIA_MAX_BYTES_* of the media kinds)' })
  @IsString() @MinLength(1) @IsBase64Text()
  data: string;

  @ApiPropertyOptional({ example: 'report.pdf' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  fileName?: string;

  @ApiPropertyOptional({ example: 'Look at this' })
  @IsOptional() @IsString() @MaxLength(4096)
  caption?: string;
}

/** The session a contact acts towards, and how the contact is addressed. */
export class SessionTargetDto {
  @ApiProperty({ example: '5491123456789', description: "The session's phone number" })
  @IsPhoneDigits('to')
  to: string;

  @ApiPropertyOptional({ enum: ['pn', 'lid'], example: 'pn', description: 'Address the contact by phone number (default) or by LID' })
  @IsOptional() @IsIn(['pn', 'lid'])
  addressing?: 'pn' | 'lid';
}

export class ReactionDto extends SessionTargetDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E', description: "The message reacted to (the session's or the contact's own)" })
  @IsString() @Matches(MESSAGE_ID, { message: 'messageId must be a WhatsApp message id' })
  messageId: string;

  @ApiProperty({ example: '👍', description: 'An emoji; "" removes the reaction' })
  @IsString() @MaxLength(32)
  emoji: string;
}

export class EditDto extends SessionTargetDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E', description: "One of the contact's own messages" })
  @IsString() @Matches(MESSAGE_ID, { message: 'messageId must be a WhatsApp message id' })
  messageId: string;

  @ApiProperty({ example: 'Hola (edited)' })
  @IsString() @MinLength(1) @MaxLength(65_536)
  text: string;
}

export class RevokeDto extends SessionTargetDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E', description: "One of the contact's own messages" })
  @IsString() @Matches(MESSAGE_ID, { message: 'messageId must be a WhatsApp message id' })
  messageId: string;
}

export class ReceiptsDto extends SessionTargetDto {
  @ApiProperty({ example: ['3EB0C767D82B4B5B1B3E', '3EB0C767D82B4B5B1B3F'], description: 'Messages the session sent this contact' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @Matches(MESSAGE_ID, { each: true, message: 'messageIds must be WhatsApp message ids' })
  messageIds: string[];

  @ApiProperty({ enum: ['delivered', 'read', 'played'], example: 'read', description: 'Status 3, 4 or 5 on the session' })
  @IsIn(['delivered', 'read', 'played'])
  type: 'delivered' | 'read' | 'played';
}

const PRESENCES = ['available', 'unavailable', 'composing', 'recording', 'paused'] as const;
export class ContactPresenceDto {
  @ApiProperty({ example: '5491123456789', description: "The session's phone number" })
  @IsPhoneDigits('to')
  to: string;

  @ApiProperty({ enum: PRESENCES, example: 'composing' })
  @IsIn(PRESENCES)
  presence: (typeof PRESENCES)[number];
}

export class FailNextDecryptDto {
  @ApiProperty({ example: '5491123456789', description: "The session's phone number" })
  @IsPhoneDigits('to')
  to: string;
}

export class InboxQueryDto {
  @ApiProperty({ example: '5491123456789', description: "The session's phone number" })
  @IsPhoneDigits('from')
  from: string;
}

export class ContactActionResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E', description: 'Id of the message the contact sent (reaction, edit, revoke)' }) messageId: string;
}

export class ContactDoneDto {
  @ApiProperty({ example: true }) success: true;
}

class InboxMediaDto {
  @ApiProperty({ enum: MEDIA_KINDS }) kind: string;
  @ApiPropertyOptional({ example: 'image/png' }) mimetype?: string;
  @ApiPropertyOptional({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', description: 'sha256 (hex) of the decrypted bytes' }) sha256?: string;
  @ApiPropertyOptional({ example: 2048 }) size?: number;
  @ApiPropertyOptional({ example: 'Look at this' }) caption?: string;
  @ApiPropertyOptional({ example: 'report.pdf' }) fileName?: string;
}

class InboxMessageDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E' }) id: string;
  @ApiProperty({ enum: ['text', 'media', 'reaction', 'edit', 'revoke', 'protocol', 'location', 'contacts', 'poll', 'vote', 'event', 'other'] }) kind: string;
  @ApiPropertyOptional({ example: 'Hola' }) text?: string;
  @ApiPropertyOptional({ example: '3EB0C767D82B4B5B1B3A', description: 'Id of the quoted message (a reply)' }) quotedId?: string;
  @ApiProperty({ example: false }) forwarded: boolean;
  @ApiPropertyOptional({ type: InboxMediaDto }) media?: InboxMediaDto;
  @ApiPropertyOptional({ example: { messageId: '3EB0C767D82B4B5B1B3A', emoji: '👍' } }) reaction?: { messageId: string; emoji: string };
  @ApiPropertyOptional({ example: { messageId: '3EB0C767D82B4B5B1B3A', text: 'edited' } }) edit?: { messageId: string; text?: string };
  @ApiPropertyOptional({ example: { messageId: '3EB0C767D82B4B5B1B3A' } }) revoke?: { messageId: string };
  @ApiPropertyOptional({ example: { latitude: -34.6037, longitude: -58.3816, name: 'Obelisco', live: false } })
  location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string; live?: boolean };
  @ApiPropertyOptional({ example: [{ displayName: 'Eva', vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eva\nEND:VCARD' }] }) contacts?: { displayName: string; vcard: string }[];
  @ApiPropertyOptional({ example: { name: 'Lunch?', options: ['Pizza', 'Sushi'], selectableCount: 1, version: 3 }, description: 'version: pollCreationMessage 1, V2 or V3' })
  poll?: { name: string; options: string[]; selectableCount: number; version: number };
  @ApiPropertyOptional({ example: { pollMessageId: '3EB0C767D82B4B5B1B3A', options: ['Sushi'] }, description: 'A vote, decrypted (`error` when it could not be)' })
  vote?: { pollMessageId: string; options: string[]; error?: string };
  @ApiPropertyOptional({ example: { url: 'https://example.com/a', title: 'Example', description: 'An example' } }) linkPreview?: { url: string; title?: string; description?: string };
  @ApiPropertyOptional({ example: { name: 'Launch', description: 'Party', startAt: 1893596400000 }, description: 'startAt in ms' }) event?: { name: string; description?: string; startAt: number };
  @ApiProperty({ example: ['contact', 'phone'], description: "Who decrypted a copy: the contact, the session's own phone" }) decryptedBy: string[];
  @ApiProperty({ example: 1764633600000, description: 'When the simulator received it (ms)' }) timestamp: number;
}

class InboxReceiptDto {
  @ApiProperty({ enum: ['delivered', 'read', 'played'] }) type: string;
  @ApiProperty({ example: ['3EB0C767D82B4B5B1B3E'] }) messageIds: string[];
  @ApiProperty({ example: 1764633600000 }) at: number;
}

class InboxPresenceDto {
  @ApiProperty({ example: 'composing', description: 'composing / paused / recording to this contact, or available / unavailable' }) presence: string;
  @ApiProperty({ example: 1764633600000 }) at: number;
}

export class InboxDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: [InboxMessageDto] }) messages: InboxMessageDto[];
  @ApiProperty({ type: [InboxReceiptDto], description: "Receipts the session sent for the contact's messages" }) receipts: InboxReceiptDto[];
  @ApiProperty({ type: [InboxPresenceDto] }) presence: InboxPresenceDto[];
}
