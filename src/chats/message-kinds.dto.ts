/** The kinds a message may carry beyond text and media (CONTRACT Part 3 "Every message kind"), as the API shows them. */
import { ApiProperty } from '@nestjs/swagger';

export class MessageLocationDto {
  @ApiProperty({ example: -34.6037 }) latitude: number;
  @ApiProperty({ example: -58.3816 }) longitude: number;
  @ApiProperty({ nullable: true, example: 'Obelisco' }) name: string | null;
  @ApiProperty({ nullable: true, example: 'Av. 9 de Julio s/n' }) address: string | null;
  @ApiProperty({ nullable: true, example: null }) url: string | null;
  @ApiProperty({ example: false, description: 'A live location' }) live: boolean;
}

export class MessageContactCardDto {
  @ApiProperty({ nullable: true, example: 'Eva' }) displayName: string | null;
  @ApiProperty({ example: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eva\nTEL;type=CELL;waid=5491122223333:+5491122223333\nEND:VCARD' }) vcard: string;
  @ApiProperty({ example: ['5491122223333'], description: "The card's numbers, digits (the vCard's waid when given)" }) phones: string[];
}

export class PollOptionDto {
  @ApiProperty({ example: 'Pizza' }) name: string;
  @ApiProperty({ example: 2 }) votes: number;
  @ApiProperty({ example: ['5491122223333@s.whatsapp.net'], description: 'Who chose it (the latest vote of each voter)' }) voters: string[];
}

export class MessagePollDto {
  @ApiProperty({ example: 'Lunch?' }) name: string;
  @ApiProperty({ example: 1, description: 'How many options a voter may choose (0: any number)' }) selectableCount: number;
  @ApiProperty({ type: [PollOptionDto] }) options: PollOptionDto[];
  @ApiProperty({ example: 3, description: 'Voters with a current (non-withdrawn) vote' }) totalVotes: number;
}

export class MessageLinkPreviewDto {
  @ApiProperty({ example: 'https://example.com/article' }) url: string;
  @ApiProperty({ nullable: true, example: 'An article' }) title: string | null;
  @ApiProperty({ nullable: true, example: 'What it is about' }) description: string | null;
}

export class MessageEventDto {
  @ApiProperty({ example: 'Launch party' }) name: string;
  @ApiProperty({ nullable: true, example: 'Bring snacks' }) description: string | null;
  @ApiProperty({ nullable: true, example: '2030-01-02T15:00:00.000Z' }) startAt: string | null;
}
