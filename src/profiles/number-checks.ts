/**
 * POST /contacts/check without hammering WhatsApp: answers are reused per session for
 * CONTACT_CHECK_CACHE_SECONDS, and a session may look up at most CONTACT_CHECKS_PER_MINUTE
 * uncached numbers in any minute (429 with Retry-After beyond). Both are per process: a number
 * asked of two nodes of a cluster is looked up twice.
 */
import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { NumberCheck } from '../whatsapp/account-commands.js';

const WINDOW_MS = 60_000;
/** Answers kept per session; the oldest go first. */
const MAX_CACHED = 10_000;

interface SessionChecks {
  cache: Map<string, { check: NumberCheck; expiresAt: number }>;
  /** When each looked-up number of the last minute was asked (oldest first). */
  lookups: number[];
}

@Injectable()
export class NumberChecks {
  private readonly sessions = new Map<string, SessionChecks>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The answers for `phones` (digits, distinct), asking `lookup` only for those not cached. */
  async check(sessionId: string, phones: string[], lookup: (phones: string[]) => Promise<NumberCheck[]>): Promise<NumberCheck[]> {
    const state = this.stateOf(sessionId);
    const now = Date.now();
    const known = new Map<string, NumberCheck>();
    for (const phone of phones) {
      const hit = state.cache.get(phone);
      if (hit && hit.expiresAt > now) known.set(phone, hit.check);
      else if (hit) state.cache.delete(phone);
    }
    const missing = phones.filter((p) => !known.has(p));
    if (missing.length > 0) {
      this.take(state, missing.length, now);
      const ttl = this.config.whatsapp.numberChecks.cacheSeconds * 1000;
      for (const check of await lookup(missing)) {
        known.set(check.phone, check);
        if (ttl > 0) this.remember(state, check, now + ttl);
      }
    }
    return phones.map((p) => known.get(p) ?? { phone: p, exists: false, jid: null, lid: null });
  }

  private take(state: SessionChecks, count: number, now: number): void {
    while (state.lookups.length > 0 && state.lookups[0]! <= now - WINDOW_MS) state.lookups.shift();
    const limit = this.config.whatsapp.numberChecks.perMinute;
    if (state.lookups.length + count > limit) {
      const freeAt = count > limit ? now + WINDOW_MS : state.lookups[state.lookups.length + count - limit - 1]! + WINDOW_MS;
      throw AppError.tooManyRequests((freeAt - now) / 1000, `This session may look up ${limit} numbers a minute on WhatsApp; cached answers do not count`);
    }
    for (let i = 0; i < count; i += 1) state.lookups.push(now);
  }

  private remember(state: SessionChecks, check: NumberCheck, expiresAt: number): void {
    state.cache.delete(check.phone);
    state.cache.set(check.phone, { check, expiresAt });
    while (state.cache.size > MAX_CACHED) state.cache.delete(state.cache.keys().next().value!);
  }

  private stateOf(sessionId: string): SessionChecks {
    let state = this.sessions.get(sessionId);
    if (!state) {
      state = { cache: new Map(), lookups: [] };
      this.sessions.set(sessionId, state);
    }
    return state;
  }
}
