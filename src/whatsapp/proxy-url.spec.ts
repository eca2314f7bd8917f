import { parseProxyUrl, redactProxyUrl } from './proxy-url.js';

describe('proxy URLs', () => {
  it.each([
    ['http://proxy.example.com:3128', 'http://proxy.example.com:3128'],
    ['https://u:p@proxy.example.com', 'https://proxy.example.com:443'],
    ['http://user:pa%40ss@10.0.0.1', 'http://10.0.0.1:80'],
    ['socks5://bob:secret@127.0.0.1:1080/', 'socks5://127.0.0.1:1080'],
    ['socks5://[::1]', 'socks5://[::1]:1080'],
  ])('accepts %s and shows it as %s, without credentials', (raw, shown) => {
    expect(parseProxyUrl(raw)).toBeInstanceOf(URL);
    expect(redactProxyUrl(raw)).toBe(shown);
  });

  it.each([
    'ftp://host:21', 'socks4://host:1080', 'socks5h://host:1080', 'host:3128', 'http://', 'http://host:3128/path', 'http://host:1?x=1', 'http://host:1#f',
    'http://h st:1', 'http://h\u0000st:1', '\ufeffhttp://host:1', 'http://ho\ud800st:1', 'http://host:99999', `http://${'a'.repeat(3000)}`,
  ])('refuses %j with a reason', (raw) => {
    expect(typeof parseProxyUrl(raw)).toBe('string');
  });
});
