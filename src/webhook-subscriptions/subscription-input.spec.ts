import { checkEvents, checkHeaders, checkUrl, MAX_HEADERS } from './subscription-input.js';

describe('webhook subscription input', () => {
  it('takes http(s) URLs only, without credentials, spaces or control characters', () => {
    expect(checkUrl('https://crm.example.com/hooks?x=1').toString()).toBe('https://crm.example.com/hooks?x=1');
    for (const bad of ['ftp://example.com/', 'javascript:alert(1)', '/relative', 'https://user:pw@example.com/', ' https://example.com/', 'https://example.com/\u0000', '\uFEFFhttps://example.com/']) {
      expect(() => checkUrl(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    }
  });

  it('knows the event types of the registry, and "*" alone', () => {
    expect(checkEvents(['session.messages.upsert', 'session.messages.upsert'])).toEqual(['session.messages.upsert']);
    expect(checkEvents(['*'])).toEqual(['*']);
    expect(() => checkEvents(['*', 'session.created'])).toThrow();
    expect(() => checkEvents(['session.nope'])).toThrow(/Valid ones: \*, session\.created/);
  });

  it('keeps custom headers within limits and away from the ones the server sets', () => {
    expect(checkHeaders({ Authorization: 'Bearer x', 'X-Tenant': 'a b' })).toEqual({ Authorization: 'Bearer x', 'X-Tenant': 'a b' });
    const many = Object.fromEntries(Array.from({ length: MAX_HEADERS + 1 }, (_, i) => [`x-h${i}`, 'v']));
    for (const bad of [many, { host: 'x' }, { HOST: 'x' }, { 'content-type': 'x' }, { 'webhook-id': 'x' }, { 'proxy-x': 'x' }, { 'x a': 'v' }, { 'x-a': 'v\r\nx: y' }, { 'x-a': 'é' }, { 'x-a': 'x'.repeat(1025) }, { 'x-a': 'v', 'X-A': 'w' }]) {
      expect(() => checkHeaders(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    }
  });
});
