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
 *
 * What a key costs a send: the claim, one statement committed before the send (a repeat costs one
 * read). The answer is stored behind the response, group-committed with the answers of other keys
 * (src/whatsapp/group-commit.ts): a repeat in this process waits for that store; one on another
 * node polls until it lands. A crash in between leaves the key pending, which the in-doubt rule
 * covers: a repeat then gets 409, never a second send.
 */
import { type BeforeApplicationShutdown, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { renderError } from '../common/error-body.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { GroupCommit } from '../whatsapp/group-commit.js';
import { IdempotencyRepository, type Completion } from './idempotency.repository.js';

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
export class IdempotencyService implements BeforeApplicationShutdown {
  private readonly logger: AppLogger;
  /** Keys whose first request runs in this process, until its answer is stored: repeats here wait on it. */
  private readonly running = new Map<string, Promise<void>>();
  /** The answers of first requests, stored after they were answered, many in one statement. */
  private readonly answers = new GroupCommit<Completion>((completions) => this.repo.complete(completions), { maxBatch: 500 });
  /** Answers not stored yet (flushed before the database closes at shutdown). */
  private readonly storing = new Set<Promise<void>>();

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
      const claim = await this.repo.claim(tenantId, key, fingerprint, KEY_TTL_MS);
      if (claim.claimed) return this.first(tenantId, key, requestId, send);
      const { stored } = claim;
      if (!stored) continue; // released meanwhile, or claimed by a statement that began after ours: claim again
      if (stored.expired) {
        if (await this.repo.takeOver(tenantId, key, fingerprint, KEY_TTL_MS)) return this.first(tenantId, key, requestId, send);
        continue;
      }
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
    const finish = (): void => {
      this.running.delete(id);
      done();
    };
    let answer: { status: number; body: unknown };
    try {
      answer = await send();
    } catch (err) {
      const rendered = renderError(err, requestId);
      if (rendered.status === HttpStatus.GATEWAY_TIMEOUT) {
        this.storeBehind({ tenantId, key, status: rendered.status, body: rendered.body }, finish);
      } else {
        await this.repo.release(tenantId, key).catch((e: unknown) => this.logger.warn({ err: e }, 'could not release an idempotency key'));
        finish();
      }
      throw err;
    }
    this.storeBehind({ tenantId, key, ...answer }, finish);
    return { ...answer, replayed: false };
  }

  /**
   * Stores the answer without holding up the response; `finish` runs once it is stored (or failed).
   * Never fails the request: the send already happened (a repeat then finds the key in doubt).
   */
  private storeBehind(completion: Completion, finish: () => void): void {
    const stored = this.answers.submit(completion)
      .catch((err: unknown) => this.logger.error({ err: { message: (err as Error).message } }, 'could not store the answer of an idempotent request'))
      .finally(() => {
        this.storing.delete(stored);
        finish();
      });
    this.storing.add(stored);
  }

  /** The answers still being stored are written before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.storing]);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
