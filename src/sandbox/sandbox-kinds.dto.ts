/** Bodies and answers of the sandbox's rich contact messages, votes, declared contacts and calls. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize, ArrayMinSize, ArrayUnique, Equals, IsArray, IsBoolean, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength,
} from 'class-validator';
import { IsBase64Text } from '../common/base64-text.js';
import { MESSAGE_ID, SessionTargetDto } from './sandbox-contacts.dto.js';
import { IsPhoneDigits } from '../common/phone-digits.js';
import { SendLocationDto } from '../chats/send-kinds.dto.js';

/** What the product sends (SendLocationDto), plus what only a phone's location carries. */
export class ContactLocationDto extends SendLocationDto {
  @ApiPropertyOptional({ example: 'https://maps.example.com/obelisco' })
  @IsOptional() @IsString() @IsUrl({ protocols: ['https', 'http'], require_protocol: true }) @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ example: false, description: 'A live location (liveLocationMessage) instead of a pinned one' })
  @IsOptional() @IsBoolean()
  live?: boolean;
}

export class ContactCardDto {
  @ApiPropertyOptional({ example: '5491122223333', description: 'A number: the vCard is built with `waid`. Give `phone` or `vcard`' })
  @IsOptional() @IsPhoneDigits('phone')
  phone?: string;

  @ApiPropertyOptional({ example: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eva\nTEL;type=CELL;waid=5491122223333:+5491122223333\nEND:VCARD' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(10_000) @Matches(/^BEGIN:VCARD/, { message: 'vcard must start with BEGIN:VCARD' })
  vcard?: string;

  @ApiPropertyOptional({ example: 'Eva' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  displayName?: string;
}

export class ContactPollDto {
  @ApiProperty({ example: 'Lunch?' })
  @IsString() @MinLength(1) @MaxLength(255)
  name: string;

  @ApiProperty({ example: ['Pizza', 'Sushi'], description: '2 to 12 distinct options' })
  @IsArray() @ArrayMinSize(2) @ArrayMaxSize(12) @ArrayUnique() @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(100, { each: true })
  options: string[];

  @ApiPropertyOptional({ example: 1, description: 'How many options a voter may pick (1 to the number of options; default 1)' })
  @IsOptional() @IsInt() @Min(1) @Max(12)
  selectableCount?: number;
}

export class ContactLinkPreviewDto {
  @ApiProperty({ example: 'https://example.com/article', description: 'The link (shown as the matched text); `text` should contain it' })
  @IsString() @IsUrl({ protocols: ['https'], require_protocol: true }) @MaxLength(2048)
  url: string;

  @ApiProperty({ example: 'An article' })
  @IsString() @MinLength(1) @MaxLength(255)
  title: string;

  @ApiPropertyOptional({ example: 'What the article is about' })
  @IsOptional() @IsString() @MaxLength(1024)
  description?: string;
}

export class ContactEventDto {
  @ApiProperty({ example: 'Launch party' })
  @IsString() @MinLength(1) @MaxLength(255)
  name: string;

  @ApiPropertyOptional({ example: 'Bring snacks' })
  @IsOptional() @IsString() @MaxLength(2048)
  description?: string;

  @ApiProperty({ example: '2030-01-02T15:00:00Z', description: 'When it starts (ISO 8601)' })
  @IsString() @IsISO8601({ strict: true })
  startAt: string;
}

export class VoteDto extends SessionTargetDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E', description: "The poll: the session's or the contact's own" })
  @IsString() @Matches(MESSAGE_ID, { message: 'messageId must be a WhatsApp message id' })
  messageId: string;

  @ApiProperty({ example: ['Sushi'], description: 'Option names chosen; [] withdraws the vote' })
  @IsArray() @ArrayMaxSize(12) @ArrayUnique() @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(100, { each: true })
  options: string[];
}

export class DeclareContactDto {
  @ApiProperty({ example: '5491199998888' })
  @IsPhoneDigits('phone')
  phone: string;

  @ApiPropertyOptional({ example: true, description: 'The contact is on WhatsApp (the only value; numbers never declared or used are not)' })
  @IsOptional() @Equals(true)
  registered?: true;

  @ApiPropertyOptional({ example: 'Juan Perez', description: "The contact's push name" })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'Available', description: "The contact's about text" })
  @IsOptional() @IsString() @MaxLength(139)
  about?: string;

  @ApiPropertyOptional({ example: '/9j/4AAQSkZJRg==', description: 'Profile picture (JPEG), base64; within BODY_LIMIT_BYTES' })
  @IsOptional() @IsString() @MinLength(4) @IsBase64Text()
  picture?: string;
}

export class DeclaredContactDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '5491199998888' }) phone: string;
  @ApiProperty({ example: '5491199998888@s.whatsapp.net' }) jid: string;
  @ApiProperty({ example: '123456789012345@lid' }) lid: string;
  @ApiProperty({ example: true }) registered: true;
}

export class CallDto {
  @ApiProperty({ example: '5491123456789', description: "The session's phone number" })
  @IsPhoneDigits('to')
  to: string;

  @ApiPropertyOptional({ example: false, description: 'A video call (default: voice)' })
  @IsOptional() @IsBoolean()
  isVideo?: boolean;

  @ApiPropertyOptional({ example: 45, description: 'How long it rings before it times out (1–120 s, default 45)' })
  @IsOptional() @IsInt() @Min(1) @Max(120)
  ringSeconds?: number;
}

export class CallStartedDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'A1B2C3D4E5F60718293A4B5C6D7E8F90' }) callId: string;
}

export class CallViewDto {
  @ApiProperty({ example: 'A1B2C3D4E5F60718293A4B5C6D7E8F90' }) callId: string;
  @ApiProperty({ example: '5491123456789', description: "The session's number" }) to: string;
  @ApiProperty({ example: false }) isVideo: boolean;
  @ApiProperty({ enum: ['ringing', 'rejected', 'timeout', 'ended'], example: 'rejected', description: 'What the caller saw' }) status: string;
  @ApiProperty({ example: '2026-12-06T20:00:00.000Z' }) offeredAt: string;
  @ApiPropertyOptional({ example: '2026-12-06T20:00:03.000Z' }) endedAt?: string;
}

export class CallsDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: [CallViewDto], description: "The contact's calls to the caller's sessions, oldest first" }) data: CallViewDto[];
}
