import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { IsPhoneDigits } from '../common/phone-digits.js';

const MAX_ITEMS = 1000;
/** The largest time a JavaScript Date holds. */
const MAX_DATE_MS = 8_640_000_000_000_000;

export class PairingCodeEntryDto {
  @ApiProperty({ example: 'ABCD-1234', description: 'The 8-character code the session shows (a dash or spaces are ignored)' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/[\s-]/g, '').toUpperCase() : value))
  @IsString() @Matches(/^[1-9A-HJ-NP-TV-Z]{8}$/, { message: 'code must be the 8-character pairing code (digits 1-9 and letters other than I, O, U)' })
  code: string;
}

export class PairingCodeResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '5491123456789' }) phoneNumber: string;
  @ApiProperty({ example: 1 }) deviceId: number;
  @ApiProperty({ example: 'personal' }) accountType: string;
}

class ChatRefDto {
  @ApiProperty({ example: '5491199998888', description: "The contact's number (the chat with it)" })
  @IsPhoneDigits('phoneNumber')
  phoneNumber: string;
}

export class ContactNameDto extends ChatRefDto {
  @ApiProperty({ example: 'Juan Pérez', description: 'The name the account saved for this contact' })
  @IsString() @MinLength(1) @MaxLength(100)
  name: string;
}

export class MuteDto extends ChatRefDto {
  @ApiProperty({ example: true, description: 'false unmutes' })
  @IsBoolean()
  muted: boolean;

  @ApiPropertyOptional({ example: 1767225600000, description: 'Mute end (ms since the epoch); absent = muted forever' })
  @IsOptional() @IsInt() @Min(1) @Max(MAX_DATE_MS)
  until?: number;
}

export class ArchiveDto extends ChatRefDto {
  @ApiProperty({ example: true }) @IsBoolean() archived: boolean;
}

export class PinDto extends ChatRefDto {
  @ApiProperty({ example: true }) @IsBoolean() pinned: boolean;
}

export class MarkReadDto extends ChatRefDto {
  @ApiProperty({ example: false, description: 'false marks the chat unread (the sessions see unreadCount -1)' }) @IsBoolean() read: boolean;
}

export class DeleteChatDto extends ChatRefDto {}

/** What changes on the phone; at least one field. */
export class PhoneAppStateDto {
  @ApiPropertyOptional({ example: 'Ana García', description: "The phone's new push name (profile name)" })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100)
  pushName?: string;

  @ApiPropertyOptional({ type: [ContactNameDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => ContactNameDto)
  contactNames?: ContactNameDto[];

  @ApiPropertyOptional({ type: [MuteDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => MuteDto)
  mute?: MuteDto[];

  @ApiPropertyOptional({ type: [ArchiveDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => ArchiveDto)
  archive?: ArchiveDto[];

  @ApiPropertyOptional({ type: [PinDto] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => PinDto)
  pin?: PinDto[];

  @ApiPropertyOptional({ type: [MarkReadDto], description: 'Mark chats read or unread' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => MarkReadDto)
  markRead?: MarkReadDto[];

  @ApiPropertyOptional({ type: [DeleteChatDto], description: 'Delete chats (the sessions get chats.delete)' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ITEMS) @ValidateNested({ each: true }) @Type(() => DeleteChatDto)
  deleteChat?: DeleteChatDto[];
}

export class PhoneAppStateResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: { critical_unblock_low: 3, regular_high: 1 }, description: 'New version of each app-state collection that changed' })
  versions: Record<string, number>;
}

/** The phone blocks or unblocks a contact. */
export class PhoneBlockDto {
  @ApiProperty({ example: '5491199998888', description: "The contact's number" })
  @IsPhoneDigits('contact')
  contact: string;

  @ApiProperty({ example: true, description: 'false unblocks' }) @IsBoolean() blocked: boolean;
}

export class PhoneBlocklistDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: ['123456789012345@lid'], description: "The account's blocklist on WhatsApp afterwards (LIDs)" })
  blocklist: string[];
}
