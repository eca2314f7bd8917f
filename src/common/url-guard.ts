/**
 * The outbound URL guard: a URL a user hands us (a webhook, later a link preview) must not make
 * this server reach loopback, private, link-local (cloud metadata) or otherwise internal
 * addresses, unless ALLOW_PRIVATE_URLS=true. Two checks, both needed:
 * - `assertPublicUrl` resolves the host now (at creation, and before each delivery: DNS is asked
 *   again every time, so a name that later points inside is caught);
 * - `guardedLookup` is the resolver given to the HTTP client's connections, so the address
 *   actually connected to is the one checked (no window between the check and the connect).
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { HttpStatus } from '@nestjs/common';
import { AppError } from './app-error.js';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['fc00::', 7], // unique local (AWS's IPv6 metadata fd00:ec2::254 too)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are checked against the IPv4 rules by BlockList itself.

/** Whether an IP address (v4 or v6 text) is one a user's URL must not reach. Not an IP: true. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function urlNotAllowed(reason: string): AppError {
  return new AppError(HttpStatus.BAD_REQUEST, 'URL_NOT_ALLOWED', `The URL is not allowed: ${reason}`, [{ field: 'url', errors: [reason] }]);
}

type Resolve = (hostname: string) => Promise<string[]>;

/** A name that takes longer than this to resolve is refused (a request never waits on DNS for long). */
const RESOLVE_TIMEOUT_MS = 3000;

const resolveAll: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('DNS timeout')), RESOLVE_TIMEOUT_MS);
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(addresses.map((a) => a.address));
    });
  });

/** The host of a URL as an address or a name to resolve (IPv6 literals lose their brackets). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Throws 400 URL_NOT_ALLOWED when the URL's host is, or resolves to, a blocked address (any of
 * them, when a name has several), or does not resolve at all.
 */
export async function assertPublicUrl(url: string | URL, allowPrivate: boolean, resolve: Resolve = resolveAll): Promise<void> {
  if (allowPrivate) return;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const host = hostOf(parsed);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw urlNotAllowed(`${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw urlNotAllowed(`${host} does not resolve`);
  const blocked = addresses.find(isPrivateAddress);
  if (blocked !== undefined) throw urlNotAllowed(`${host} resolves to a loopback, private, link-local or metadata address`);
}

/**
 * A `net.connect` lookup that refuses blocked addresses (the connection fails with
 * `URL_NOT_ALLOWED`): what the HTTP client connects to is what was checked.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction | undefined {
  if (allowPrivate) return undefined;
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses;
      const bad = list.find((a) => isPrivateAddress(a.address));
      if (bad || list.length === 0) {
        const refusal = Object.assign(new Error(`URL_NOT_ALLOWED: ${hostname} resolves to a blocked address`), { code: 'URL_NOT_ALLOWED' });
        return callback(refusal, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
