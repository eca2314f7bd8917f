import { ApiProperty } from '@nestjs/swagger';

export class ContactDto {
  @ApiProperty({ example: '51999999999@s.whatsapp.net', description: 'Canonical jid (the PN jid when known)' }) jid: string;
  @ApiProperty({ nullable: true, example: '51999999999@s.whatsapp.net' }) pnJid: string | null;
  @ApiProperty({ nullable: true, example: '123456789012345@lid' }) lidJid: string | null;
  @ApiProperty({ nullable: true, example: '51999999999', description: 'Digits; null when WhatsApp has not revealed it' }) phone: string | null;
  @ApiProperty({ nullable: true, example: 'Ada', description: "Name in the account's address book" }) name: string | null;
  @ApiProperty({ nullable: true, example: 'Ada', description: "The contact's own push name" }) notify: string | null;
  @ApiProperty({ nullable: true, example: null }) imgUrl: string | null;
}

export class ContactPageDto {
  @ApiProperty({ type: [ContactDto] }) data: ContactDto[];
  @ApiProperty({ nullable: true, example: 'WyI1MTk5OTk5OTk5OUBzLndoYXRzYXBwLm5ldCJd' }) nextCursor: string | null;
}
