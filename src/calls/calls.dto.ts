import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class CallSettingsDto {
  @ApiProperty({ example: true, description: "Reject every incoming call to the tenant's sessions" })
  @IsBoolean() autoReject: boolean;
  @ApiPropertyOptional({ nullable: true, maxLength: 1000, example: 'We cannot take calls here; please write to us.', description: 'Sent to the caller after a rejection, at most once per caller per hour; null or absent sends nothing' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1000) message?: string | null;
}

export class CallSettingsResultDto {
  @ApiProperty({ example: true }) autoReject: boolean;
  @ApiProperty({ nullable: true, example: 'We cannot take calls here; please write to us.' }) message: string | null;
}

export class RejectCallDto {
  @ApiPropertyOptional({ example: '5491123456789@s.whatsapp.net', description: "The caller's jid or digits, as `session.call` gave it (checked against the call when given)" })
  @IsOptional() @IsString() @MaxLength(128) from?: string;
}

export class RejectedCallDto {
  @ApiProperty({ example: 'A1B2C3D4E5F60718293A4B5C6D7E8F90' }) id: string;
  @ApiProperty({ example: '5491123456789@s.whatsapp.net' }) from: string;
  @ApiProperty({ example: 'reject' }) status: 'reject';
}
