import { proto } from '@whiskeysockets/baileys';
import { compactBytes } from './compact-bytes.js';

describe('compactBytes', () => {
  it('copies a view into a larger buffer into one that owns exactly its bytes, everywhere in the value', () => {
    const frame = Buffer.alloc(65_536, 7);
    const token = frame.subarray(100, 132);
    const pooled = Buffer.from('AAECAwQFBgc=', 'base64');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const out = compactBytes({ token, timestamp: 5, nested: [{ key: pooled }], name: 'x' });
    expect(out.token).toEqual(token);
    expect(Buffer.isBuffer(out.token)).toBe(true);
    expect(out.token.buffer.byteLength).toBe(32);
    expect(out.nested[0]!.key.buffer.byteLength).toBe(8);
    expect(out.nested[0]!.key).toEqual(pooled);
    expect(out).toMatchObject({ timestamp: 5, name: 'x' });
  });

  it('keeps byte arrays that own their memory, plain values, and the identity of protobuf messages', () => {
    const own = Buffer.allocUnsafeSlow(4);
    expect(compactBytes(own)).toBe(own);
    expect(compactBytes('5491100000000')).toBe('5491100000000');
    expect(compactBytes(['0', '1'])).toEqual(['0', '1']);
    const keyData = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.alloc(4096, 1).subarray(0, 32), timestamp: 1 });
    const out = compactBytes(keyData);
    expect(out).toBe(keyData);
    expect(out.keyData!.buffer.byteLength).toBe(32);
  });
});
