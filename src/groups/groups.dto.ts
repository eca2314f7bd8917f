/** Request and response shapes of /groups (CONTRACT Part 3, Groups). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

export { PageQueryDto, SessionQueryDto } from '../common/page-query.dto.js';

/** A participant as given: digits (optional +), a PN jid or a LID jid. */
export const PARTICIPANT = /^(\+?\d{6,15}|\d{6,15}@s\.whatsapp\.net|\d{1,20}@lid)$/;
const PARTICIPANT_HINT = 'each participant must be a phone number (digits) or a PN/LID jid';
/** Something printable: not blank, and not only a BOM or control characters. */
// eslint-disable-next-line no-control-regex -- a subject of only control characters is refused
const PRINTABLE = /[^\s\u0000-\u001f\u007f\ufeff]/;

export class GroupParticipantDto {
  @ApiProperty({ example: '123456789012345@lid', description: 'The address WhatsApp uses in the group (a LID in a LID-addressed group)' }) jid: string;
  @ApiProperty({ nullable: true, example: '5491123456789@s.whatsapp.net' }) pnJid: string | null;
  @ApiProperty({ nullable: true, example: '123456789012345@lid' }) lidJid: string | null;
  @ApiProperty({ nullable: true, example: '5491123456789', description: 'Digits; null when WhatsApp gave only a LID' }) phone: string | null;
  @ApiProperty({ nullable: true, enum: ['admin', 'superadmin'], example: null }) admin: 'admin' | 'superadmin' | null;
}

export class GroupDto {
  @ApiProperty({ example: '120363041234567890@g.us' }) jid: string;
  @ApiProperty({ example: 'Asado del sábado' }) subject: string;
  @ApiProperty({ nullable: true, example: null }) description: string | null;
  @ApiProperty({ nullable: true, example: '5491123456789@s.whatsapp.net', description: 'The creator (PN jid where known)' }) owner: string | null;
  @ApiProperty({ nullable: true, example: '2026-12-01T12:00:00.000Z' }) createdAt: string | null;
  @ApiProperty({ example: 4 }) size: number;
  @ApiProperty({ example: false, description: 'Only admins may write' }) announce: boolean;
  @ApiProperty({ example: false, description: 'Only admins may edit the subject, description and disappearing messages' }) restrict: boolean;
  @ApiProperty({ example: 0, description: 'Disappearing messages, seconds (0: off)' }) ephemeral: number;
  @ApiProperty({ enum: ['pn', 'lid'], example: 'lid' }) addressingMode: 'pn' | 'lid';
  @ApiProperty({ example: true }) iAmAdmin: boolean;
}

export class GroupWithParticipantsDto extends GroupDto {
  @ApiProperty({ type: [GroupParticipantDto] }) participants: GroupParticipantDto[];
}

export class GroupPageDto {
  @ApiProperty({ type: [GroupDto] }) data: GroupDto[];
  @ApiProperty({ nullable: true, example: 'WyIxMjAzNjMwNDEyMzQ1Njc4OTBAZy51cyJd' }) nextCursor: string | null;
}

export class CreateGroupDto {
  @ApiProperty({ example: 'Asado del sábado', maxLength: 100 })
  @IsString() @MinLength(1) @MaxLength(100) @Matches(PRINTABLE, { message: 'subject must not be blank' }) subject: string;
  @ApiProperty({ example: ['5491123456789', '5491187654321@s.whatsapp.net'], description: 'Phones (digits) or PN/LID jids; 1 to 256' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(256) @IsString({ each: true }) @Matches(PARTICIPANT, { each: true, message: PARTICIPANT_HINT }) participants: string[];
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ example: 'Asado 🔥', maxLength: 100 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100) @Matches(PRINTABLE, { message: 'subject must not be blank' }) subject?: string;
  @ApiPropertyOptional({ example: 'Sábados a las 13', nullable: true, maxLength: 2048, description: 'null or empty removes it' })
  @ValidateIf((o: UpdateGroupDto) => o.description !== null && o.description !== undefined) @IsString() @MaxLength(2048) description?: string | null;
  @ApiPropertyOptional({ example: true, description: 'Only admins may write' }) @IsOptional() @IsBoolean() announce?: boolean;
  @ApiPropertyOptional({ example: false, description: 'Only admins may edit the group info' }) @IsOptional() @IsBoolean() restrict?: boolean;
  @ApiPropertyOptional({ example: 86400, description: 'Disappearing messages in seconds: 0 (off), 86400, 604800 or 7776000' })
  @IsOptional() @IsInt() @Min(0) @Max(7_776_000) @IsIn([0, 86_400, 604_800, 7_776_000]) ephemeral?: number;
}

export const PARTICIPANT_ACTIONS = ['add', 'remove', 'promote', 'demote'] as const;
export type ParticipantActionName = (typeof PARTICIPANT_ACTIONS)[number];

export class ParticipantsChangeDto {
  @ApiProperty({ enum: PARTICIPANT_ACTIONS, example: 'add' }) @IsIn(PARTICIPANT_ACTIONS) action: ParticipantActionName;
  @ApiProperty({ example: ['5491123456789'], description: 'Phones (digits) or PN/LID jids; 1 to 256' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(256) @IsString({ each: true }) @Matches(PARTICIPANT, { each: true, message: PARTICIPANT_HINT }) participants: string[];
}

export class ParticipantResultDto {
  @ApiProperty({ example: '5491123456789@s.whatsapp.net' }) jid: string;
  @ApiProperty({ nullable: true, example: '5491123456789' }) phone: string | null;
  @ApiProperty({ example: 200, description: "WhatsApp's code for this participant: 200 done, 403 refused, 404 not a member / not on WhatsApp, 408 just left, 409 already a member" })
  status: number;
}

export class ParticipantResultsDto {
  @ApiProperty({ type: [ParticipantResultDto] }) data: ParticipantResultDto[];
}

export class InviteDto {
  @ApiProperty({ example: 'AbCdEfGhIjK1234567890' }) code: string;
  @ApiProperty({ example: 'https://chat.whatsapp.com/AbCdEfGhIjK1234567890' }) url: string;
}

export class JoinGroupDto {
  @ApiProperty({ example: 'AbCdEfGhIjK1234567890', description: 'The invite code, or the whole chat.whatsapp.com link' })
  @IsString() @MinLength(1) @MaxLength(200) code: string;
}

export class JoinedDto {
  @ApiProperty({ example: '120363041234567890@g.us' }) jid: string;
}

export class GroupOkDto {
  @ApiProperty({ example: true }) success: true;
}
