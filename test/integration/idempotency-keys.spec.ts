/**
 * IdempotencyService on a real PostgreSQL: the answers a first request leaves for its repeats when
 * it timed out (stored, so a retry never sends twice) or was refused (the key freed), a key whose
 * first request died with its process (in doubt), an expired key taken over, and the answers
 * stored behind the response: awaited by a repeat in this process, polled for by another node
 * (a second service on the same database), flushed at shutdown, keys of any visible character.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../../src/common/app-error.js';
import { createRootLogger } from '../../src/common/logger.js';
import { IdempotencyRepository, type Claim } from '../../src/idempotency/idempotency.repository.js';
import { IdempotencyService } from '../../src/idempotency/idempotency.service.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';
import { Recording } from '../support/waitable.js';

/** The real repository, recording what each claim found (to know that a repeat is waiting). */
class ObservedRepository extends IdempotencyRepository {
  readonly claims = new Recording<{ key: string; claim: Claim }>();

  override async claim(tenantId: string, key: string, fingerprint: string, ttlMs: number): Promise<Claim> {
    const claim = await super.claim(tenantId, key, fingerprint, ttlMs);
    this.claims.push({ key, claim });
    return claim;
  }
}

const TENANT = '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12';

describe('idempotency keys', () => {
  let db: TestDataSource;
  let service: IdempotencyService;
  /** Another node: its own service, the same database. */
  let otherNode: IdempotencyService;
  let hereRepo: ObservedRepository;
  let otherRepo: ObservedRepository;
  let sends = 0;
  const answer = (body: unknown) => async () => {
    sends += 1;
    return { status: 201, body };
  };

  beforeAll(async () => {
    db = await openMigratedDataSource('idempotency');
    hereRepo = new ObservedRepository(db.dataSource);
    otherRepo = new ObservedRepository(db.dataSource);
    service = new IdempotencyService(hereRepo, createRootLogger('silent'));
    otherNode = new IdempotencyService(otherRepo, createRootLogger('silent'));
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(() => {
    sends = 0;
  });

  it('stores a timeout (the message may have gone) and answers it again without sending', async () => {
    const timeout = async () => {
      sends += 1;
      throw new AppError(HttpStatus.GATEWAY_TIMEOUT, 'GATEWAY_TIMEOUT', 'WhatsApp did not answer in time');
    };
    await expect(service.run(TENANT, 'timed-out', 'fp', 'req-1', timeout)).rejects.toThrow('WhatsApp did not answer in time');
    const repeat = await service.run(TENANT, 'timed-out', 'fp', 'req-2', timeout);
    expect(sends).toBe(1);
    expect(repeat).toMatchObject({ status: 504, replayed: true, body: { success: false, error: { code: 'GATEWAY_TIMEOUT' }, requestId: 'req-1' } });
  });

  it('frees the key after a refusal, so that a retry sends', async () => {
    const refused = async () => {
      sends += 1;
      throw new AppError(HttpStatus.CONFLICT, 'SESSION_NOT_CONNECTED', 'The session is not connected');
    };
    await expect(service.run(TENANT, 'refused', 'fp', 'req-1', refused)).rejects.toThrow('not connected');
    expect(await service.run(TENANT, 'refused', 'fp', 'req-2', answer({ id: 'A' }))).toEqual({ status: 201, body: { id: 'A' }, replayed: false });
    expect(sends).toBe(2);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_DOUBT for a key whose first request died, and takes an expired key over', async () => {
    await db.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, key, fingerprint, state, created_at, expires_at) VALUES ($1, 'died', 'fp', 'pending', now() - interval '10 minutes', now() + interval '1 hour')`,
      [TENANT],
    );
    await expect(service.run(TENANT, 'died', 'fp', 'req', answer({}))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_DOUBT' });
    await db.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, key, fingerprint, state, response_status, response_body, created_at, expires_at)
       VALUES ($1, 'old', 'other', 'done', 200, '{"id":"old"}', now() - interval '2 days', now() - interval '1 day')`,
      [TENANT],
    );
    expect(await service.run(TENANT, 'old', 'fp', 'req', answer({ id: 'new' }))).toEqual({ status: 201, body: { id: 'new' }, replayed: false });
    expect(sends).toBe(1);
  });

  const row = async (key: string) =>
    (await db.dataSource.query(`SELECT state, response_status, response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`, [TENANT, key]))[0];

  it('answers repeats here and on another node with the first answer, sending once, whatever characters the key has', async () => {
    const keys = ['plain', 'with "quotes", {braces} and \\ backslash', 'NULL', ' spaced inside ', "it's"].map((k) => `${k.trim()}-${Date.now()}`);
    for (const key of keys) {
      let release!: () => void;
      let sending!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const started = new Promise<void>((r) => (sending = r));
      const first = service.run(TENANT, key, 'fp', 'req-1', async () => {
        sends += 1;
        sending();
        await gate;
        return { status: 201, body: { id: key } };
      });
      await started;
      // Repeats while the first one is sending: here (waiting on its promise) and on the other node (polling).
      const repeats = [service.run(TENANT, key, 'fp', 'req-2', answer({ id: 'never' })), otherNode.run(TENANT, key, 'fp', 'req-3', answer({ id: 'never' }))];
      const pending = (c: { key: string; claim: Claim }) => c.key === key && !c.claim.claimed && c.claim.stored?.state === 'pending';
      await Promise.all([hereRepo.claims.next(pending, 'the repeat here finding the key pending'), otherRepo.claims.next(pending, 'the other node finding the key pending')]);
      release();
      expect(await first).toEqual({ status: 201, body: { id: key }, replayed: false });
      expect(await Promise.all(repeats)).toEqual([{ status: 201, body: { id: key }, replayed: true }, { status: 201, body: { id: key }, replayed: true }]);
      expect(await row(key)).toEqual({ state: 'done', response_status: 201, response_body: { id: key } });
    }
    expect(sends).toBe(keys.length);
    await expect(otherNode.run(TENANT, keys[1]!, 'other fp', 'req', answer({}))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('stores the answers still behind their responses before the database closes', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `flush-${i}-${Date.now()}`);
    const answers = await Promise.all(keys.map((key) => service.run(TENANT, key, 'fp', 'req', answer({ id: key }))));
    expect(answers.every((a) => !a.replayed)).toBe(true);
    await service.beforeApplicationShutdown();
    for (const key of keys) expect(await row(key)).toEqual({ state: 'done', response_status: 201, response_body: { id: key } });
  });
});
