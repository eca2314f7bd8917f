/** Pacing arithmetic (pure): the gap before a send, and how long "typing…" shows within it. */
import type { Pacing } from '../sessions/session.entity.js';

/** Base time and time per character a person takes to type a message. */
const TYPING_BASE_MS = 500;
const TYPING_PER_CHAR_MS = 30;

/** A random gap in [min, max] (`random` in [0, 1)). */
export function gapMs(pacing: Pacing, random: number): number {
  return pacing.minIntervalMs + Math.floor(random * (pacing.maxIntervalMs - pacing.minIntervalMs + 1));
}

/** "typing…" for a time that grows with the text, capped at the gap (0 without typing). */
export function typingMs(pacing: Pacing, textLength: number, gap: number): number {
  if (!pacing.typing) return 0;
  return Math.min(gap, TYPING_BASE_MS + TYPING_PER_CHAR_MS * textLength);
}

/**
 * When the next send starts: `gap` after the previous one started, and never before "typing…" has
 * shown for `typing` ms from now. Returns the wait before typing starts and the typing time.
 */
export function plan(now: number, previousStart: number | undefined, gap: number, typing: number): { waitMs: number; typingMs: number } {
  const earliest = previousStart === undefined ? now : previousStart + gap;
  const total = Math.max(earliest - now, typing, 0);
  return { waitMs: total - typing, typingMs: typing };
}
