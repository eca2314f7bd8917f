import { PasswordHasher } from './password-hasher.js';

// Cheap parameters keep the unit tests fast; the format and checks are the same.
const fast = new PasswordHasher({ N: 2 ** 10, r: 8, p: 1, keyLength: 32, saltLength: 16 });

describe('PasswordHasher', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await fast.hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(await fast.verify('correct horse battery staple', stored)).toBe(true);
    expect(await fast.verify('correct horse battery stapler', stored)).toBe(false);
    expect(await fast.verify('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const a = await fast.hash('same password 123');
    const b = await fast.hash('same password 123');
    expect(a).not.toBe(b);
    expect(await fast.verify('same password 123', a)).toBe(true);
    expect(await fast.verify('same password 123', b)).toBe(true);
  });

  it('verifies with the parameters stored in the hash, not the current ones', async () => {
    const stored = await fast.hash('parameters travel with the hash');
    const stronger = new PasswordHasher({ N: 2 ** 11, r: 8, p: 1, keyLength: 32, saltLength: 16 });
    expect(await stronger.verify('parameters travel with the hash', stored)).toBe(true);
    expect(stronger.needsRehash(stored)).toBe(true);
    expect(fast.needsRehash(stored)).toBe(false);
  });

  it('treats NFKC-equivalent passwords as equal', async () => {
    const stored = await fast.hash('caf\u00e9 au lait!!');
    expect(await fast.verify('cafe\u0301 au lait!!', stored)).toBe(true);
  });

  it('rejects malformed or hostile stored hashes without throwing', async () => {
    const cases = [
      '', 'plain', 'bcrypt$10$abc', 'scrypt$1024$8$1$c2FsdHNhbHQ$', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
      `scrypt$${2 ** 24}$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA`, 'scrypt$1024$999$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    ];
    for (const stored of cases) {
      expect(await fast.verify('whatever password', stored)).toBe(false);
      expect(fast.needsRehash(stored)).toBe(true);
    }
  });

  it('spends a hash computation for unknown accounts and never matches', async () => {
    expect(await fast.verifyAgainstDummy('any password at all')).toBe(false);
    expect(await fast.verifyAgainstDummy('')).toBe(false);
  });

  it('uses memory-hard defaults', async () => {
    const stored = await new PasswordHasher().hash('default parameters!');
    const [, N, r] = stored.split('$').map(Number);
    expect(N * r * 128).toBeGreaterThanOrEqual(32 * 1024 * 1024);
  });
});
