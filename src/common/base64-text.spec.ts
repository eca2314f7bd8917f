import { randomBytes } from 'node:crypto';
import { isBase64Text } from './base64-text.js';

describe('isBase64Text', () => {
  it('accepts what Buffer encodes, padded or not, however long', () => {
    for (const n of [1, 2, 3, 4, 5, 100]) expect(isBase64Text(randomBytes(n).toString('base64'))).toBe(true);
    expect(isBase64Text(randomBytes(30 * 2 ** 20).toString('base64'))).toBe(true);
  });

  it('rejects empty text, wrong lengths, foreign characters and misplaced padding', () => {
    for (const bad of ['', 'abc', 'ab=c', '====', 'a===', 'ab-_', 'ab c', 'YQ==YQ==', 'Y===', 42, null]) expect(isBase64Text(bad)).toBe(false);
  });
});
