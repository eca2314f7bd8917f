/** Bodies and answers of the sandbox group endpoints (simulated contacts' groups with the caller's sessions). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ContactMediaDto } from './sandbox-contacts.dto.js';
import { IsPhoneDigits } from '../common/phone-digits.js';

/** A group's members (the sandbox keeps groups small; a benchmark drives the simulator directly). */
export const MAX_GROUP_PARTICIPANTS = 256;
const ACTIONS = ['add', 'remove', 'promote', 'demote'] as const;

export class SandboxCreateGroupDto {
  @ApiProperty({ example: '5491199998888', description: 'The simulated contact that creates the group (its superadmin); not a session number' })
  @IsPhoneDigits('owner')
  owner: string;

  @ApiProperty({ example: 'Family', description: 'Up to 100 characters' })
  @IsString() @MinLength(1) @MaxLength(100) @Matches(/\S/, { message: 'subject must not be blank' })
  subject: string;

  @ApiProperty({
    example: ['5491123456789', '5491177776666'],
    description: "Members besides the owner: contacts (created on first use) and at least one of your sessions' numbers",
  })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_GROUP_PARTICIPANTS) @IsPhoneDigits('participants', { each: true })
  participants: string[];
}

export class GroupMessageDto {
  @ApiProperty({ example: '5491199998888', description: 'The member (a simulated contact) that writes' })
  @IsPhoneDigits('from')
  from: string;

  @ApiPropertyOptional({ example: 'Hola @5491123456789!', description: '`text` or `media` is required' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(65_536)
  text?: string;

  @ApiPropertyOptional({ example: ['5491123456789'], description: 'Numbers mentioned (contextInfo.mentionedJid)' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_GROUP_PARTICIPANTS) @IsPhoneDigits('mentions', { each: true })
  mentions?: string[];

  @ApiPropertyOptional({ type: ContactMediaDto, description: 'A media message (image, video, audio, ptt, document, sticker)' })
  @IsOptional() @ValidateNested() @Type(() => ContactMediaDto)
  media?: ContactMediaDto;
}

export class GroupParticipantsDto {
  @ApiProperty({ example: '5491199998888', description: 'The member (a simulated contact, an admin) that acts' })
  @IsPhoneDigits('actor')
  actor: string;

  @ApiProperty({ enum: ACTIONS, example: 'add' })
  @IsIn(ACTIONS)
  action: (typeof ACTIONS)[number];

  @ApiProperty({ example: ['5491177776666'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_GROUP_PARTICIPANTS) @IsPhoneDigits('participants', { each: true })
  participants: string[];
}

export class SandboxUpdateGroupDto {
  @ApiProperty({ example: '5491199998888', description: 'The member (a simulated contact) that makes the change' })
  @IsPhoneDigits('actor')
  actor: string;

  @ApiPropertyOptional({ example: 'Family 2026' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100) @Matches(/\S/, { message: 'subject must not be blank' })
  subject?: string;

  @ApiPropertyOptional({ example: 'Weekend plans', description: '"" removes the description' })
  @IsOptional() @IsString() @MaxLength(2048)
  description?: string;

  @ApiPropertyOptional({ example: true, description: 'Only admins may write' })
  @IsOptional() @IsBoolean()
  announce?: boolean;

  @ApiPropertyOptional({ example: false, description: 'Only admins may change the group info' })
  @IsOptional() @IsBoolean()
  restrict?: boolean;
}

export class GroupInboxQueryDto {
  @ApiProperty({ example: '5491199998888', description: 'The member (a simulated contact) whose phone is looked at' })
  @IsPhoneDigits('member')
  member: string;
}

class GroupParticipantDto {
  @ApiProperty({ example: '5491123456789' }) phone: string;
  @ApiProperty({ enum: ['admin', 'superadmin'], nullable: true, example: null }) role: 'admin' | 'superadmin' | null;
}

export class SandboxGroupDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '120363123456789012@g.us' }) jid: string;
  @ApiProperty({ example: 'Family' }) subject: string;
  @ApiPropertyOptional({ example: 'Weekend plans' }) description?: string;
  @ApiProperty({ example: false }) announce: boolean;
  @ApiProperty({ example: false }) restrict: boolean;
  @ApiProperty({ example: 0, description: 'Disappearing messages, seconds (0 = off)' }) ephemeral: number;
  @ApiProperty({ example: 'AbCdEfGhIjKlMnOpQrStUv', description: 'Invite code (chat.whatsapp.com/<code>)' }) inviteCode: string;
  @ApiProperty({ type: [GroupParticipantDto] }) participants: GroupParticipantDto[];
}

class ParticipantResultDto {
  @ApiProperty({ example: '5491177776666' }) phone: string;
  @ApiProperty({ example: '200', description: "'200' done, '403' not allowed (the superadmin), '404' not a member, '409' already a member" }) status: string;
}

export class GroupParticipantsResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: [ParticipantResultDto] }) results: ParticipantResultDto[];
}

export class GroupMessageResultDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E' }) messageId: string;
}

class GroupInboxMessageDto {
  @ApiProperty({ example: '3EB0C767D82B4B5B1B3E' }) id: string;
  @ApiProperty({ example: '5491123456789', description: 'The session number that sent it' }) from: string;
  @ApiProperty({ enum: ['text', 'media', 'reaction', 'edit', 'revoke', 'protocol', 'other'] }) kind: string;
  @ApiPropertyOptional({ example: 'Hola a todos' }) text?: string;
  @ApiProperty({ example: ['5491199998888'], description: 'Numbers mentioned' }) mentions: string[];
  @ApiPropertyOptional({ example: { messageId: '3EB0C767D82B4B5B1B3A', emoji: '👍' } }) reaction?: { messageId: string; emoji: string };
  @ApiPropertyOptional({ example: { messageId: '3EB0C767D82B4B5B1B3A', text: 'edited' } }) edit?: { messageId: string; text?: string };
  @ApiPropertyOptional({ example: { messageId: '3EB0C767D82B4B5B1B3A' } }) revoke?: { messageId: string };
  @ApiProperty({ example: 1764633600000, description: 'When the member decrypted it (ms)' }) timestamp: number;
}

class GroupInboxReceiptDto {
  @ApiProperty({ enum: ['delivered', 'read', 'played'] }) type: string;
  @ApiProperty({ example: ['3EB0C767D82B4B5B1B3E'] }) messageIds: string[];
  @ApiProperty({ example: '5491123456789', description: 'Who sent the receipt' }) by: string;
  @ApiProperty({ example: 1764633600000 }) at: number;
}

export class GroupInboxDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: [GroupInboxMessageDto], description: "The sessions' messages this member decrypted (sender keys)" }) messages: GroupInboxMessageDto[];
  @ApiProperty({ type: [GroupInboxReceiptDto], description: "Receipts sessions sent for this member's messages" }) receipts: GroupInboxReceiptDto[];
  @ApiProperty({ type: [GroupInboxReceiptDto], description: "Receipts this member sent for the sessions' messages" }) receiptsSent: GroupInboxReceiptDto[];
}
