/** `?sessionId=` and `?limit=&cursor=` of the seed 002 conversation lists (/chats, /contacts, ...). */
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class SessionQueryDto {
  @ApiPropertyOptional({ example: '4b1a9c08-6b70-4c1c-9d5b-2b7d8fd5b901', description: 'Required when the tenant has more than one session' })
  @IsOptional() @IsString() sessionId?: string;
}

export class PageQueryDto extends SessionQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}
