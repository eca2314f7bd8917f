import { firstUrlOf, previewOfHtml } from './link-preview.service.js';
import { waveformOf } from '../media/media-converter.js';

describe('firstUrlOf', () => {
  it('finds the first http(s) URL without trailing punctuation', () => {
    expect(firstUrlOf('see https://a.example/x?y=1, and http://b.example')).toBe('https://a.example/x?y=1');
    expect(firstUrlOf('(http://a.example/path).')).toBe('http://a.example/path');
    expect(firstUrlOf('no link, ftp://a.example')).toBeUndefined();
  });
});

describe('previewOfHtml', () => {
  it('prefers Open Graph, decodes entities, drops control characters, and needs a title', () => {
    const html = `<head><title>Plain</title><meta content='Desc &#x263A;' property="og:description"><meta property="og:title" content="A &amp; B\u0000C"></head>`;
    expect(previewOfHtml(html, 'https://a.example')).toEqual({ url: 'https://a.example', title: 'A & B C', description: 'Desc ☺' });
    expect(previewOfHtml('<title> Only\n title </title><meta name="description" content="d">', 'u')).toEqual({ url: 'u', title: 'Only title', description: 'd' });
    expect(previewOfHtml('<p>no title</p>', 'u')).toBeUndefined();
    expect(previewOfHtml('<title>&#xD800;x</title>', 'u')?.title).toBe('x');
  });
});

describe('waveformOf', () => {
  it('gives 64 bars 0-100, the loudest 100', () => {
    const pcm = Buffer.alloc(64 * 10 * 2);
    for (let i = 0; i < 64 * 10; i++) pcm.writeInt16LE(i < 320 ? 1000 : 2000, i * 2);
    const bars = waveformOf(pcm);
    expect(bars).toHaveLength(64);
    expect([bars[0], bars[63]]).toEqual([50, 100]);
    expect([...waveformOf(Buffer.alloc(0))]).toEqual(new Array(64).fill(0));
  });
});
