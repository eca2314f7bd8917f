/** The kinds POST /chats/:jid/messages sends besides text and media (CONTRACT Part 3), and poll votes. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsPhoneDigits } from '../common/phone-digits.js';

export class SendLocationDto {
  @ApiProperty({ example: -34.6037, minimum: -90, maximum: 90 })
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(-90) @Max(90)
  latitude: number;

  @ApiProperty({ example: -58.3816, minimum: -180, maximum: 180 })
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(-180) @Max(180)
  longitude: number;

  @ApiPropertyOptional({ example: 'Obelisco' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ example: 'Av. 9 de Julio s/n, Buenos Aires' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1024)
  address?: string;
}

/** A card: `{ phone, displayName? }` (the vCard is built, with `waid`) or `{ vcard }`. */
export class SendContactCardDto {
  @ApiPropertyOptional({ example: '5491122223333', description: 'A number with its country code; give `phone` or `vcard`' })
  @ValidateIf((o: SendContactCardDto) => o.vcard === undefined || o.phone !== undefined)
  @IsPhoneDigits('phone')
  phone?: string;

  @ApiPropertyOptional({ example: 'Eva' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  displayName?: string;

  @ApiPropertyOptional({ example: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eva\nTEL;type=CELL;waid=5491122223333:+5491122223333\nEND:VCARD' })
  @ValidateIf((o: SendContactCardDto) => o.phone === undefined || o.vcard !== undefined)
  @IsString() @MinLength(1) @MaxLength(10_000) @Matches(/^BEGIN:VCARD\r?\n[\s\S]*END:VCARD\s*$/, { message: 'vcard must be one BEGIN:VCARD … END:VCARD card' })
  vcard?: string;
}

export class SendPollDto {
  @ApiProperty({ example: 'Lunch?' })
  @IsString() @MinLength(1) @MaxLength(255)
  name: string;

  @ApiProperty({ example: ['Pizza', 'Sushi'], description: '2 to 12 distinct options' })
  @IsArray() @ArrayMinSize(2) @ArrayMaxSize(12) @ArrayUnique() @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(100, { each: true })
  options: string[];

  @ApiPropertyOptional({ example: 1, description: 'How many options a voter may choose: 1 (default) up to the number of options, or 0 for any number' })
  @IsOptional() @IsInt() @Min(0) @Max(12)
  selectableCount?: number;
}

export class PollVoteDto {
  @ApiProperty({ example: ['Sushi'], description: "Names of the poll's options; [] withdraws your vote" })
  @IsArray() @ArrayMaxSize(12) @ArrayUnique() @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(100, { each: true })
  options: string[];
}
