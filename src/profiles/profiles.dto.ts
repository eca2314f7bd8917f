import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

const PHONE = /^\+?\d{5,20}$/;

export class CheckNumbersDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 50, example: ['5491123456789', '+15550777'], description: 'Phone numbers, digits with an optional leading +' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Matches(PHONE, { each: true, message: 'each phone must be 5-20 digits with an optional leading +' })
  phones: string[];
}

export class NumberCheckDto {
  @ApiProperty({ example: '5491123456789', description: 'The number as digits' }) phone: string;
  @ApiProperty({ example: true }) exists: boolean;
  @ApiProperty({ nullable: true, example: '5491123456789@s.whatsapp.net' }) jid: string | null;
  @ApiProperty({ nullable: true, example: '123456789012345@lid' }) lid: string | null;
}

export class NumberChecksDto {
  @ApiProperty({ type: [NumberCheckDto] }) data: NumberCheckDto[];
}

export class ContactProfileDto {
  @ApiProperty({ example: '5491123456789@s.whatsapp.net' }) jid: string;
  @ApiProperty({ nullable: true, example: '5491123456789' }) phone: string | null;
  @ApiProperty({ nullable: true, example: 'Ada', description: "Name in the account's address book" }) name: string | null;
  @ApiProperty({ nullable: true, example: 'Ada L.', description: "The contact's own push name" }) notify: string | null;
  @ApiProperty({ nullable: true, example: 'Hey there! I am using WhatsApp.' }) about: string | null;
  @ApiProperty({ nullable: true, example: 'https://pps.whatsapp.net/v/t61.24694-24/1.jpg', description: 'Full-size picture; null when none or hidden' }) pictureUrl: string | null;
  @ApiProperty({ example: false }) isBusiness: boolean;
}

export class OwnProfileDto {
  @ApiProperty({ nullable: true, example: 'Support', description: 'The push name contacts see' }) name: string | null;
  @ApiProperty({ nullable: true, example: 'Available 9-18' }) about: string | null;
  @ApiProperty({ nullable: true, example: 'https://pps.whatsapp.net/v/t61.24694-24/1.jpg' }) pictureUrl: string | null;
}

export class UpdateOwnProfileDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 25, example: 'Support' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(25) name?: string;
  @ApiPropertyOptional({ maxLength: 139, example: 'Available 9-18', description: 'The about text ("" clears it)' })
  @IsOptional() @IsString() @MaxLength(139) about?: string;
}

export class ProfilePictureDto {
  @ApiProperty({ format: 'uuid', description: 'A POST /media upload of kind image (JPEG, PNG or WebP); WhatsApp shows it cropped to a square' })
  @IsUUID() mediaId: string;
}
