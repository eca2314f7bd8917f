/**
 * Runs a send under an `Idempotency-Key` (CONTRACT.md Part 3): the first request with a key claims
 * it in PostgreSQL and its answer is stored with it for 24 h; a repeat with the same request gets
 * that answer and sends nothing; a concurrent repeat waits for the first (in this process through a
 * promise, on another node by reading the row again); the key with another request is a 422.
 *
 * Keys are scoped per tenant: the main backend acting for many users with one service key, and
 * a browser user, retry under the tenant's keys alike. An error answered before anything was sent
 * (4xx, 503) frees the key for a retry; a 504 (WhatsApp did not answer in time, so the message may
 * have gone) is stored and answered again, so that a retry never sends twice.
 */
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { renderError } from '../common/error-body.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { IdempotencyRepository } from './idempotency.repository.js';

export const KEY_TTL_MS = 24 * 3600_000;
/** Longer than any send's deadline (media: 120 s): a pending key older than this lost its request to a crash. */
const PENDING_STALE_MS = 150_000;
const POLL_MS = 50;

export interface Answer {
  status: number;
  body: unknown;
  /** True when this is the stored answer of an earlier request. */
  replayed: boolean;
}

@Injectable()
export class IdempotencyService {
  private readonly logger: AppLogger;
  /** Keys whose first request runs in this process: repeats here wait on it. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: IdempotencyRepository,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'idempotency' });
  }

  /** `send` answers the body (its status read after it ran); its error is rethrown, or replayed when stored. */
  async run(tenantId: string, key: string, fingerprint: string, requestId: string, send: () => Promise<{ status: number; body: unknown }>): Promise<Answer> {
    const deadline = Date.now() + PENDING_STALE_MS;
    for (;;) {
      if (await this.repo.claim(tenantId, key, fingerprint, KEY_TTL_MS)) return this.first(tenantId, key, requestId, send);
      const stored = await this.repo.find(tenantId, key);
      if (!stored) continue; // released or expired meanwhile: claim again
      if (stored.fingerprint !== fingerprint) {
        throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request (method, path or body)');
      }
      if (stored.state === 'done') return { status: stored.responseStatus ?? 200, body: stored.responseBody, replayed: true };
      const local = this.running.get(`${tenantId}|${key}`);
      if (!local && stored.ageMs > PENDING_STALE_MS) {
        throw new AppError(HttpStatus.CONFLICT, 'IDEMPOTENCY_KEY_IN_DOUBT', 'The first request with this Idempotency-Key did not finish (the server stopped meanwhile): its outcome is unknown; check the chat, then send with a new key');
      }
      if (Date.now() > deadline) throw new AppError(HttpStatus.CONFLICT, 'CONFLICT', 'The first request with this Idempotency-Key is still running');
      await (local ? Promise.race([local, sleep(1000)]) : sleep(POLL_MS));
    }
  }

  private async first(tenantId: string, key: string, requestId: string, send: () => Promise<{ status: number; body: unknown }>): Promise<Answer> {
    let done!: () => void;
    const id = `${tenantId}|${key}`;
    this.running.set(id, new Promise<void>((resolve) => (done = resolve)));
    try {
      let answer: { status: number; body: unknown };
      try {
        answer = await send();
      } catch (err) {
        const rendered = renderError(err, requestId);
        if (rendered.status !== HttpStatus.GATEWAY_TIMEOUT) {
          await this.repo.release(tenantId, key).catch((e: unknown) => this.logger.warn({ err: e }, 'could not release an idempotency key'));
          throw err;
        }
        await this.store(tenantId, key, rendered.status, rendered.body);
        throw err;
      }
      await this.store(tenantId, key, answer.status, answer.body);
      return { ...answer, replayed: false };
    } finally {
      this.running.delete(id);
      done();
    }
  }

  /** Never fails the request: the send already happened (a repeat then finds the key in doubt). */
  private async store(tenantId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.repo.complete(tenantId, key, status, body).catch((err: unknown) => this.logger.error({ err: { message: (err as Error).message } }, 'could not store the answer of an idempotent request'));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
