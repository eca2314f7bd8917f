/**
 * IdempotencyService on a real PostgreSQL: the answers a first request leaves for its repeats when
 * it timed out (stored, so a retry never sends twice) or was refused (the key freed), a key whose
 * first request died with its process (in doubt), and an expired key taken over.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../../src/common/app-error.js';
import { createRootLogger } from '../../src/common/logger.js';
import { IdempotencyRepository } from '../../src/idempotency/idempotency.repository.js';
import { IdempotencyService } from '../../src/idempotency/idempotency.service.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

const TENANT = '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12';

describe('idempotency keys', () => {
  let db: TestDataSource;
  let service: IdempotencyService;
  let sends = 0;
  const answer = (body: unknown) => async () => {
    sends += 1;
    return { status: 201, body };
  };

  beforeAll(async () => {
    db = await openMigratedDataSource('idempotency');
    service = new IdempotencyService(new IdempotencyRepository(db.dataSource), createRootLogger('silent'));
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
});
