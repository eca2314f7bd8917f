import { randomBytes } from 'node:crypto';
import { BufferJSON, Curve, initAuthCreds } from '@whiskeysockets/baileys';
import { decodeAuthJson, encodeAuthJson } from './auth-json.js';

const reference = (value: unknown) => JSON.stringify(value, BufferJSON.replacer);

describe('auth JSON', () => {
  it('writes key pairs exactly as BufferJSON does, and reads them back', () => {
    for (let i = 0; i < 50; i++) {
      const pair = Curve.generateKeyPair();
      expect(encodeAuthJson(pair)).toBe(reference(pair));
      const back = decodeAuthJson<{ public: Buffer; private: Buffer }>(encodeAuthJson(pair));
      expect(Buffer.compare(back.public, Buffer.from(pair.public))).toBe(0);
      expect(Buffer.compare(back.private, Buffer.from(pair.private))).toBe(0);
    }
  });

  it('handles byte views into a larger buffer (offsets) like BufferJSON', () => {
    const big = randomBytes(100);
    const pair = { public: big.subarray(10, 42), private: new Uint8Array(big.buffer, big.byteOffset + 50, 32) };
    expect(encodeAuthJson(pair)).toBe(reference(pair));
  });

  it('leaves every other shape to BufferJSON: credentials, nested objects, empty objects, arrays, primitives', () => {
    const values: unknown[] = [initAuthCreds(), { a: randomBytes(4), b: 'text' }, { nested: { x: randomBytes(3) } }, {}, [randomBytes(2)], 'plain', 42, null, { keyData: randomBytes(32), fingerprint: { rawId: 1 } }];
    for (const value of values) expect(encodeAuthJson(value)).toBe(reference(value));
  });
});
