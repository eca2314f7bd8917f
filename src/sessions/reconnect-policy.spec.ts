import { decideOnClose, reasonForCode, type CloseContext } from './reconnect-policy.js';

const base: CloseContext = {
  statusCode: 428, registered: true, attempts: 0, maxRetries: 5, qrCount: 0, maxQr: 5, baseDelayMs: 1000, random: 0.5,
};

describe('decideOnClose', () => {
  it('reconnects at once on 515 without counting, even with the retry budget spent', () => {
    expect(decideOnClose({ ...base, statusCode: 515, attempts: 5 })).toEqual({ kind: 'reconnect-now' });
  });

  it('reconnects at once on 405 when the WhatsApp Web version read again changed; with backoff when it did not', () => {
    expect(decideOnClose({ ...base, statusCode: 405, versionChanged: true, attempts: 5 })).toEqual({ kind: 'reconnect-now' });
    expect(decideOnClose({ ...base, statusCode: 405, versionChanged: false })).toEqual({ kind: 'reconnect', attempt: 1, delayMs: 750 });
    expect(decideOnClose({ ...base, statusCode: 405 })).toEqual({ kind: 'reconnect', attempt: 1, delayMs: 750 });
  });

  it('ends as logged out on 401, registered or not', () => {
    expect(decideOnClose({ ...base, statusCode: 401 })).toEqual({ kind: 'logged-out' });
    expect(decideOnClose({ ...base, statusCode: 401, registered: false })).toEqual({ kind: 'logged-out' });
  });

  it.each([408, 411, 428, 440, 500, 503])('reconnects with backoff on %i', (statusCode) => {
    expect(decideOnClose({ ...base, statusCode })).toEqual({ kind: 'reconnect', attempt: 1, delayMs: 750 });
  });

  it('doubles the delay per attempt, with jitter within [half, full]', () => {
    const low = decideOnClose({ ...base, attempts: 3, random: 0 });
    const high = decideOnClose({ ...base, attempts: 3, random: 0.999999 });
    expect(low).toEqual({ kind: 'reconnect', attempt: 4, delayMs: 4000 });
    expect(high).toEqual({ kind: 'reconnect', attempt: 4, delayMs: 8000 });
  });

  it('caps the delay at one minute', () => {
    const action = decideOnClose({ ...base, attempts: 20, maxRetries: 50, random: 0.999999 });
    expect(action).toEqual({ kind: 'reconnect', attempt: 21, delayMs: 60000 });
  });

  it('gives up once MAX_RECONNECT_RETRIES retries are spent', () => {
    expect(decideOnClose({ ...base, attempts: 5 })).toEqual({ kind: 'give-up' });
    expect(decideOnClose({ ...base, attempts: 0, maxRetries: 0 })).toEqual({ kind: 'give-up' });
  });

  it('expires an unscanned onboarding once the QR budget is spent', () => {
    expect(decideOnClose({ ...base, statusCode: 408, registered: false, qrCount: 5 })).toEqual({ kind: 'expired' });
    expect(decideOnClose({ ...base, statusCode: 408, registered: false, qrCount: 2 })).toMatchObject({ kind: 'reconnect' });
  });

  it('names the reasons of the known codes', () => {
    expect(reasonForCode(440)).toBe('connection_replaced');
    expect(reasonForCode(999)).toBe('closed_999');
  });
});
