/** `pacing` of PATCH /sessions/:id and of the session's answer (CONTRACT.md Part 3, the send pipeline). */
import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

export const MAX_INTERVAL_MS = 3_600_000;

export class PacingDto {
  @ApiProperty({ example: 3000, minimum: 0, maximum: MAX_INTERVAL_MS, description: 'Shortest gap between two sends of the session, ms' })
  @IsInt() @Min(0) @Max(MAX_INTERVAL_MS)
  minIntervalMs!: number;

  @ApiProperty({ example: 8000, minimum: 0, maximum: MAX_INTERVAL_MS, description: 'Longest gap, ms (≥ minIntervalMs); each gap is random in between' })
  @IsInt() @Min(0) @Max(MAX_INTERVAL_MS)
  maxIntervalMs!: number;

  @ApiProperty({ example: true, description: 'Show "typing…" (composing) before each send, for a time that grows with the text, capped at the gap' })
  @IsBoolean()
  typing!: boolean;
}
