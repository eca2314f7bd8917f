import { canonicalJson, readIdempotencyKey, requestFingerprint } from './idempotency-key.js';

describe('Idempotency-Key header', () => {
  it('accepts 1 to 255 visible ASCII characters and an absent header', () => {
    expect(readIdempotencyKey(undefined)).toEqual({ ok: true, key: undefined });
    expect(readIdempotencyKey('a')).toEqual({ ok: true, key: 'a' });
    expect(readIdempotencyKey('order 42/retry:1')).toEqual({ ok: true, key: 'order 42/retry:1' });
    expect(readIdempotencyKey('x'.repeat(255)).ok).toBe(true);
  });

  it('refuses empty, too long, control, non-ASCII, edge spaces and repeated headers', () => {
    for (const bad of ['', 'x'.repeat(256), 'a\u0000b', 'a\tb', 'caf\u00e9', '\ufeffkey', ' key', 'key ', '\ud800']) {
      expect(readIdempotencyKey(bad).ok).toBe(false);
    }
    expect(readIdempotencyKey(['a', 'b']).ok).toBe(false);
  });
});

describe('request fingerprint', () => {
  const base = { method: 'POST', route: '/chats/:jid/messages', params: { jid: '5491123456789' }, query: {}, body: { content: 'hi', mediaId: undefined } };

  it('is the same for the same body in another key order, and ignores sessionId', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(requestFingerprint(base)).toBe(requestFingerprint({ ...base, body: { content: 'hi' }, query: { sessionId: 'x' } }));
  });

  it('differs with another body, route or parameter', () => {
    const first = requestFingerprint(base);
    expect(requestFingerprint({ ...base, body: { content: 'bye' } })).not.toBe(first);
    expect(requestFingerprint({ ...base, route: '/sessions/:id/messages' })).not.toBe(first);
    expect(requestFingerprint({ ...base, params: { jid: '5491100000000' } })).not.toBe(first);
  });
});
