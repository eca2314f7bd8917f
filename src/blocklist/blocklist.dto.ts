import { ApiProperty } from '@nestjs/swagger';

export class BlockedContactDto {
  @ApiProperty({ example: '5491123456789@s.whatsapp.net', description: 'The PN jid when known, else the LID jid' }) jid: string;
  @ApiProperty({ nullable: true, example: '5491123456789@s.whatsapp.net' }) pnJid: string | null;
  @ApiProperty({ nullable: true, example: '123456789012345@lid' }) lidJid: string | null;
  @ApiProperty({ nullable: true, example: '5491123456789' }) phone: string | null;
}

export class BlocklistDto {
  @ApiProperty({ type: [BlockedContactDto] }) data: BlockedContactDto[];
}

export class BlockStatusDto {
  @ApiProperty({ example: '5491123456789@s.whatsapp.net' }) jid: string;
  @ApiProperty({ example: true }) blocked: boolean;
}
