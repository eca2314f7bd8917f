import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, ValidateIf } from 'class-validator';

export class UpdateChatDto {
  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() archived?: boolean;
  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() pinned?: boolean;
  @ApiPropertyOptional({ nullable: true, example: '2030-01-01T00:00:00Z', description: 'Muted until then (ISO 8601); null unmutes' })
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsISO8601({ strict: true }) mutedUntil?: string | null;
  @ApiPropertyOptional({ example: true, description: 'Mark the chat unread (true) or read (false)' }) @IsOptional() @IsBoolean() unread?: boolean;
}
