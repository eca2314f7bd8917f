import { decodePgJson, decodePgText, encodePgJson, encodePgText, hasLoneSurrogate, wellFormed } from './postgres-text.js';

describe('postgres text codec', () => {
  const samples = [
    '', 'hola', 'a\u0000b', '\u0000', '\uE000', '\uE0000', '\uE000\uE000\u0000', 'x\\0y', '😀\u0000😀',
    '\uE000' + '0', 'end\u0000', '\uFEFFhola', '\uFEFF', '\uFEFF\uFEFF', 'a\uFEFF', '\uE000F', '\uFEFF\u0000\uE000F',
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

  it('stores no value that starts with U+FEFF (PGlite drops it when reading)', () => {
    expect(encodePgText('\uFEFFhola').charCodeAt(0)).not.toBe(0xfeff);
  });

  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    for (const [input, output] of [['x\ud800y', 'x\ufffdy'], ['\udc00', '\ufffd'], ['\ud83d', '\ufffd'], ['\udc00\ud800', '\ufffd\ufffd'], ['😀', '😀'], ['a\ud83d\ude00\ud83d', 'a😀\ufffd']]) {
      expect(hasLoneSurrogate(input)).toBe(input !== output);
      expect(wellFormed(input)).toBe(output);
      expect(decodePgText(encodePgText(input))).toBe(output);
    }
    expect(JSON.stringify(encodePgJson({ ['k\udfff']: ['\ud800'] }))).toBe('{"k\ufffd":["\ufffd"]}');
  });
});
