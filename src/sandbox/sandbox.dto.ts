import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ContactMediaDto, MESSAGE_ID } from './sandbox-contacts.dto.js';
import { ContactCardDto, ContactEventDto, ContactLinkPreviewDto, ContactLocationDto, ContactPollDto } from './sandbox-kinds.dto.js';
import { IsPhoneDigits } from '../common/phone-digits.js';

export class HistorySizeDto {
  @ApiProperty({ example: 20, minimum: 0, maximum: 1000, description: 'Chats (one simulated contact each; every third chat is LID-addressed)' })
  @IsInt() @Min(0) @Max(1000)
  chats: number;

  @ApiProperty({ example: 50, minimum: 0, maximum: 10_000, description: 'Messages per chat, alternating contact / own' })
  @IsInt() @Min(0) @Max(10_000)
  messagesPerChat: number;
}

export class ScanDto {
  @ApiProperty({ example: '5491123456789', description: 'The phone that scans: it becomes the session number' })
  @IsPhoneDigits('phoneNumber')
  phoneNumber: string;

  @ApiPropertyOptional({ enum: ['personal', 'business'], example: 'personal' })
  @IsOptional() @IsIn(['personal', 'business'])
  accountType?: 'personal' | 'business';

  @ApiPropertyOptional({ example: 'Acme Store', description: 'Business name (business accounts)' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'Ana García', description: "The phone's push name (profile name); the session learns it right after it opens. Default: the business name for a business account, none otherwise" })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100)
  pushName?: string;

  @ApiPropertyOptional({ type: () => HistorySizeDto, description: 'History the first login receives (default: none). At most 200,000 messages in all' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => HistorySizeDto)
  history?: HistorySizeDto;
}

export class ContactMessageDto {
  @ApiProperty({ example: '5491123456789', description: "The session's phone number" })
  @IsPhoneDigits('to')
  to: string;

  @ApiPropertyOptional({ example: 'Hola!', description: 'Text (with `linkPreview`, a text with a link preview). Exactly one of text, media, location, contacts, poll, event' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(65_536)
  text?: string;

  @ApiPropertyOptional({ type: ContactMediaDto, description: 'A media message (image, video, audio, ptt, document, sticker); the caption is inside' })
  @IsOptional() @ValidateNested() @Type(() => ContactMediaDto)
  media?: ContactMediaDto;

  @ApiPropertyOptional({ type: ContactLocationDto, description: 'A location (or, with `live: true`, a live location)' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ContactLocationDto)
  location?: ContactLocationDto;

  @ApiPropertyOptional({ type: [ContactCardDto], description: 'Contact cards: one → a card, 2–10 → a card array' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => ContactCardDto)
  contacts?: ContactCardDto[];

  @ApiPropertyOptional({ type: ContactPollDto, description: 'A poll (pollCreationMessageV3 with a messageSecret)' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ContactPollDto)
  poll?: ContactPollDto;

  @ApiPropertyOptional({ type: ContactLinkPreviewDto, description: "With `text`: the text's link preview (no fetch: the fields are given)" })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ContactLinkPreviewDto)
  linkPreview?: ContactLinkPreviewDto;

  @ApiPropertyOptional({ type: ContactEventDto, description: 'An event message (eventMessage with a messageSecret)' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ContactEventDto)
  event?: ContactEventDto;

  @ApiPropertyOptional({ example: '3EB0C767D82B4B5B1B3E', description: "Reply to this message (the session's or the contact's own)" })
  @IsOptional() @IsString() @Matches(MESSAGE_ID, { message: 'quotedMessageId must be a WhatsApp message id' })
  quotedMessageId?: string;

  @ApiPropertyOptional({ example: 'Juan Perez', description: "The contact's push name" })
  @IsOptional() @IsString() @MaxLength(100)
  pushName?: string;

  @ApiPropertyOptional({ enum: ['pn', 'lid'], example: 'pn', description: 'Address the message by phone number (default) or by LID' })
  @IsOptional() @IsIn(['pn', 'lid'])
  addressing?: 'pn' | 'lid';
}

export class ScanResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '5491123456789' }) phoneNumber: string;
  @ApiProperty({ example: 1 }) deviceId: number;
  @ApiProperty({ example: 'personal' }) accountType: string;
}

export class SandboxActionDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 1, description: 'Connections of the session the action reached' }) affectedConnections: number;
}

export class ContactMessageResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E' }) messageId: string;
}
