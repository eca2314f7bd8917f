/**
 * The client IP of a raw Node request, by the same rule Fastify applies to `request.ip`: the
 * nearest X-Forwarded-For address that no trusted proxy (TRUST_PROXY) put there. Used where a
 * request never reaches Fastify's router (WebSocket upgrades, Socket.io's own HTTP path).
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export type TrustFunction = (address: string, hop: number) => boolean;

/** TRUST_PROXY as a function (given to Fastify too, so both agree). */
export function trustFunction(trust: boolean | string[]): TrustFunction {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  return proxyAddr.compile(trust);
}

export function clientIp(req: IncomingMessage, trust: TrustFunction): string {
  // A socket already destroyed has no remote address: such requests share one bucket.
  return req.socket.remoteAddress === undefined ? 'unknown' : proxyAddr(req, trust);
}
