/** Prometheus metrics of the Socket.io gateway, on the app's registry. */
import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

export type DisconnectCause = 'unauthorized' | 'auth_timeout' | 'token_expired' | 'slow_consumer' | 'snapshot_failed' | 'credential_revoked' | 'too_many_connections';

@Injectable()
export class RealtimeMetrics {
  private readonly sockets: Gauge<'state'>;
  private readonly forwarded: Counter<'event'>;
  private readonly serverDisconnects: Counter<'cause'>;
  private readonly counts = { connected: 0, authenticated: 0 };

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    // Read on scrape, so the hot path only moves two integers.
    const counts = this.counts;
    this.sockets = new Gauge({
      name: 'realtime_sockets',
      help: 'Sockets connected to the /sessions namespace, by state (pending: not yet authenticated)',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'authenticated' }, counts.authenticated);
        this.set({ state: 'pending' }, counts.connected - counts.authenticated);
      },
    });
    this.forwarded = new Counter({
      name: 'realtime_events_total',
      help: 'Seed 002 events emitted to tenant rooms, by event type (once per event, not per socket)',
      labelNames: ['event'],
      registers,
    });
    this.serverDisconnects = new Counter({
      name: 'realtime_server_disconnects_total',
      help: 'Sockets the server disconnected, by cause',
      labelNames: ['cause'],
      registers,
    });
  }

  socketConnected(): void {
    this.counts.connected++;
  }

  socketAuthenticated(): void {
    this.counts.authenticated++;
  }

  socketClosed(wasAuthenticated: boolean): void {
    this.counts.connected--;
    if (wasAuthenticated) this.counts.authenticated--;
  }

  eventForwarded(type: string): void {
    this.forwarded.inc({ event: type });
  }

  serverDisconnect(cause: DisconnectCause): void {
    this.serverDisconnects.inc({ cause });
  }
}
