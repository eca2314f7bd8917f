/**
 * Cluster mode, imported only when REDIS_URL is set (app.module.ts): leases and placement in
 * PostgreSQL, forwarding to the owner, events across nodes through Redis (Socket.io rooms through
 * Socket.io's Redis Streams adapter). See docs/architecture.md
 * "Cluster mode". Without it the app is one node that owns every session, as before.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ClusterNodeEntity, SessionEventSeqEntity, SessionLeaseEntity } from './cluster.entities.js';
import { ClusterController } from './cluster.controller.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { EventRelay } from './event-relay.js';
import { SessionEventSequencer } from './event-sequencer.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LeaseRepository } from './lease-repository.js';
import { Placement } from './placement.js';
import { RedisBus } from './redis-bus.js';
import { RequestForwarder } from './request-forwarder.js';
import { RevocationRelay } from './revocation-relay.js';
import { SocketIoRooms } from './socket-io-rooms.js';

@Module({
  imports: [TypeOrmModule.forFeature([ClusterNodeEntity, SessionLeaseEntity, SessionEventSeqEntity]), AuthModule, SessionsModule, RealtimeModule],
  controllers: [ClusterController],
  providers: [RedisBus, LeaseRepository, ClusterMetrics, LeaseKeeper, Placement, EventRelay, SessionEventSequencer, RequestForwarder, SocketIoRooms, RevocationRelay],
})
export class ClusterModule {}
