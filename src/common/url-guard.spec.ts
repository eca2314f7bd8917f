import { assertPublicUrl, guardedLookup, isPrivateAddress } from './url-guard.js';

describe('the outbound URL guard', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.100.100.200',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', 'ff02::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '203.0.113.10', '172.32.0.1', '2001:4860:4860::8888', '1.1.1.1'])('lets %s through', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses a name that resolves to a private address (any of several), and one that does not resolve', async () => {
    const dns = (map: Record<string, string[]>) => async (host: string) => {
      if (!map[host]) throw new Error('ENOTFOUND');
      return map[host];
    };
    const resolver = dns({ 'inside.example': ['93.184.215.14', '10.0.0.7'], 'outside.example': ['93.184.215.14'] });
    await expect(assertPublicUrl('https://inside.example/hook', false, resolver)).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    await expect(assertPublicUrl('https://nowhere.example/hook', false, resolver)).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    await expect(assertPublicUrl('http://[::1]:8080/hook', false, resolver)).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    await expect(assertPublicUrl('https://outside.example/hook', false, resolver)).resolves.toBeUndefined();
    await expect(assertPublicUrl('https://inside.example/hook', true, resolver)).resolves.toBeUndefined();
  });

  it('makes a connection to a name resolving to loopback fail (localhost, with the system resolver)', async () => {
    const lookup = guardedLookup(false)!;
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', { family: 0 }, (err) => resolve(err)));
    expect(error?.code).toBe('URL_NOT_ALLOWED');
    expect(guardedLookup(true)).toBeUndefined();
  });
});
