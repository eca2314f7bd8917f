import { decodePgJson, decodePgText, encodePgJson, encodePgText } from './postgres-text.js';

describe('postgres text codec', () => {
  const samples = [
    '', 'hola', 'a\u0000b', '\u0000', '\uE000', '\uE0000', '\uE000\uE000\u0000', 'x\\0y', '😀\u0000😀',
    '\uE000' + '0', 'end\u0000',
  ];

  it.each(samples)('round-trips %j and stores no NUL', (s) => {
    const stored = encodePgText(s);
    expect(stored).not.toContain('\u0000');
    expect(decodePgText(stored)).toBe(s);
  });

  it('leaves ordinary text unchanged', () => {
    expect(encodePgText('mensaje común ✓')).toBe('mensaje común ✓');
  });

  it('round-trips JSON values, keys included', () => {
    const v = { 'k\u0000': ['a\u0000', 1, null, true, { t: '\uE000' }] };
    const stored = encodePgJson(v);
    expect(JSON.stringify(stored)).not.toContain('\\u0000');
    expect(decodePgJson(stored)).toEqual(v);
  });
});
