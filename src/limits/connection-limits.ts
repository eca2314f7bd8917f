/**
 * Caps on open realtime connections (Socket.io, /ws/sessions, SSE streams): per client IP and
 * in all for every transport connection, per user once it is authenticated. Counted in this
 * process only (REALTIME_MAX_CONNECTIONS_PER_USER, _PER_IP, REALTIME_MAX_CONNECTIONS). Every
 * slot is given back by the release function its taker holds: each caller ties it to the close
 * of the underlying connection, which every ending reaches (a clean close, a reset, a timeout).
 */
import type { IncomingMessage } from 'node:http';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { clientIp, trustFunction, type TrustFunction } from './client-ip.js';

export interface ConnectionRefusal {
  scope: 'total' | 'ip' | 'user';
  limit: number;
  message: string;
}

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export type Admission = { ok: true; release: Release } | { ok: false; refusal: ConnectionRefusal };

@Injectable()
export class ConnectionLimits {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<string, number>();
  private readonly caps: AppConfig['realtime']['maxConnections'];
  private readonly trust: TrustFunction;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.caps = config.realtime.maxConnections;
    this.trust = trustFunction(config.http.trustProxy);
  }

  /** The client IP of a raw request (TRUST_PROXY applied). */
  ipOf(req: IncomingMessage): string {
    return clientIp(req, this.trust);
  }

  /** Whether one more connection from `ip` would be admitted (nothing is taken). */
  check(ip: string): ConnectionRefusal | null {
    if (this.total >= this.caps.total) {
      return { scope: 'total', limit: this.caps.total, message: `The server is at its limit of ${this.caps.total} realtime connections: try again later` };
    }
    if ((this.perIp.get(ip) ?? 0) >= this.caps.perIp) {
      return { scope: 'ip', limit: this.caps.perIp, message: `Too many realtime connections from this address (at most ${this.caps.perIp}): close one first` };
    }
    return null;
  }

  /** A transport connection from `ip`: counts against the total and the IP's cap. */
  open(ip: string): Admission {
    const refusal = this.check(ip);
    if (refusal) return { ok: false, refusal };
    this.total += 1;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    return {
      ok: true,
      release: once(() => {
        this.total -= 1;
        decrement(this.perIp, ip);
      }),
    };
  }

  /** An authenticated connection of `userId`. */
  user(userId: string): Admission {
    if ((this.perUser.get(userId) ?? 0) >= this.caps.perUser) {
      return { ok: false, refusal: { scope: 'user', limit: this.caps.perUser, message: `Too many realtime connections for this user (at most ${this.caps.perUser}): close one first` } };
    }
    this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    return { ok: true, release: once(() => decrement(this.perUser, userId)) };
  }

  /** Open connections, for metrics and tests. */
  counts(): { total: number; ips: number; users: number } {
    return { total: this.total, ips: this.perIp.size, users: this.perUser.size };
  }
}

/** The HTTP answer to a refused connection: 429 in the one error shape. */
export function tooManyConnections(refusal: ConnectionRefusal): AppError {
  return new AppError(HttpStatus.TOO_MANY_REQUESTS, 'TOO_MANY_CONNECTIONS', refusal.message, { scope: refusal.scope, limit: refusal.limit });
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

function once(fn: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
