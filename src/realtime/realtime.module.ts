/**
 * Realtime over Socket.io (seeds 002 and 004): namespace `/sessions` on the HTTP port, tenant
 * rooms, the seed 002 envelope for public domain events, the snapshot on connect, and seed 004's
 * per-session channel. Depends on auth (token verification) and sessions (the session rows).
 */
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConnectionLimitsModule } from '../limits/connection-limits.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { RealtimeBroadcaster } from './realtime-broadcaster.js';
import { RealtimeConnections } from './realtime-connections.service.js';
import { DefaultNamespaceGateway, RealtimeGateway } from './realtime.gateway.js';
import { RealtimeMetrics } from './realtime-metrics.js';
import { SessionSubscriptions } from './session-subscriptions.service.js';
import { SocketLimits } from './socket-limits.js';
import { WsSessionsServer } from './ws-sessions.server.js';

@Module({
  imports: [AuthModule, SessionsModule, ConnectionLimitsModule],
  providers: [RealtimeMetrics, RealtimeBroadcaster, RealtimeConnections, SessionSubscriptions, RealtimeGateway, DefaultNamespaceGateway, WsSessionsServer, SocketLimits],
  exports: [RealtimeBroadcaster],
})
export class RealtimeModule {}
