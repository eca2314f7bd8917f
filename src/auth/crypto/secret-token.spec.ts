import { hashSecret, issueSecret, parseSecret, secretMatches } from './secret-token.js';

describe('secret tokens', () => {
  it('issues <uuid>.<secret> tokens whose digest is stored, never the secret', () => {
    const issued = issueSecret();
    expect(issued.token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const parsed = parseSecret(issued.token);
    expect(parsed).toEqual({ id: issued.id, secret: issued.token.split('.')[1] });
    expect(issued.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.hash).toBe(hashSecret(parsed!.secret));
    expect(issued.hash).not.toContain(parsed!.secret);
  });

  it('matches only the right secret', () => {
    const issued = issueSecret();
    const { secret } = parseSecret(issued.token)!;
    expect(secretMatches(secret, issued.hash)).toBe(true);
    const flipped = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
    expect(secretMatches(flipped, issued.hash)).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
  });

  it('handles prefixes (API keys)', () => {
    const issued = issueSecret('wao_');
    expect(issued.token.startsWith('wao_')).toBe(true);
    expect(parseSecret(issued.token, 'wao_')?.id).toBe(issued.id);
    expect(parseSecret(issued.token)).toBeNull();
    expect(parseSecret(issued.token.slice(4), 'wao_')).toBeNull();
  });

  it('rejects anything malformed', () => {
    const good = issueSecret().token;
    for (const bad of [undefined, null, 42, {}, '', '.', 'abc.def', `${good}x`, `x${good}`, good.replace('.', ''), `${good}.more`, 'a'.repeat(10_000)]) {
      expect(parseSecret(bad)).toBeNull();
    }
  });

  it('issues distinct tokens', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => issueSecret().token));
    expect(tokens.size).toBe(100);
  });
});
