/**
 * Socket.io namespace `/sessions`, on the HTTP server's port. Thin: each handler is one call into
 * the connection lifecycle or the seed 004 subscriptions. See README "Realtime (Socket.io)".
 */
import { Inject, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer,
  type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit,
} from '@nestjs/websockets';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { RealtimeBroadcaster } from './realtime-broadcaster.js';
import { RealtimeConnections } from './realtime-connections.service.js';
import { RealtimeMetrics } from './realtime-metrics.js';
import { REALTIME_NAMESPACE, type RealtimeNamespace, type RealtimeSocket } from './realtime-protocol.js';
import { SessionSubscriptions } from './session-subscriptions.service.js';
import { DEFAULT_SLOW_CONSUMER_POLICY, startSlowConsumerSweep } from './slow-consumer-guard.js';
import { socketCors } from './socket-cors.js';
import { SocketLimits } from './socket-limits.js';

const ENGINE_READY = new WeakSet<object>();

@WebSocketGateway({
  namespace: REALTIME_NAMESPACE,
  // Client messages are tiny (a token, an id): refuse anything bigger than 64 KiB.
  maxHttpBufferSize: 65_536,
})
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() namespace: RealtimeNamespace;
  private stopSweep?: () => void;
  private readonly logger: AppLogger;

  constructor(
    private readonly connections: RealtimeConnections,
    private readonly subscriptions: SessionSubscriptions,
    private readonly broadcaster: RealtimeBroadcaster,
    private readonly metrics: RealtimeMetrics,
    private readonly socketLimits: SocketLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'realtime' });
  }

  afterInit(namespace: RealtimeNamespace): void {
    // Both gateways share one engine: its CORS check and connection caps are installed once.
    if (!ENGINE_READY.has(namespace.server.engine)) {
      ENGINE_READY.add(namespace.server.engine);
      namespace.server.engine.use(socketCors(this.config.http.corsOrigins));
      this.socketLimits.installOnEngine(namespace.server.engine);
    }
    this.socketLimits.installOnNamespace(namespace);
    this.broadcaster.bind(namespace);
    this.stopSweep = startSlowConsumerSweep(namespace, DEFAULT_SLOW_CONSUMER_POLICY, (socket, buffered) => {
      this.metrics.serverDisconnect('slow_consumer');
      this.logger.warn({ socketId: socket.id, tenantId: socket.data.auth?.tenantId, buffered }, 'dropping a socket that does not read its events');
    });
  }

  onModuleDestroy(): void {
    this.stopSweep?.();
  }

  handleConnection(socket: RealtimeSocket): void {
    this.connections.onConnect(socket).catch((err: unknown) => {
      this.logger.error({ err, socketId: socket.id }, 'socket connection failed');
      socket.disconnect(true);
    });
  }

  handleDisconnect(socket: RealtimeSocket): void {
    this.connections.onDisconnect(socket);
  }

  @SubscribeMessage('authenticate')
  onAuthenticate(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown): Promise<void> {
    return this.connections.onAuthenticate(socket, payload);
  }

  @SubscribeMessage('subscribe-session')
  onSubscribe(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown): Promise<void> {
    return this.subscriptions.subscribe(socket, payload);
  }

  @SubscribeMessage('unsubscribe-session')
  onUnsubscribe(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown): Promise<void> {
    return this.subscriptions.unsubscribe(socket, payload);
  }

  @SubscribeMessage('request-qr')
  onRequestQr(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown): Promise<void> {
    return this.subscriptions.requestQr(socket, payload);
  }
}

/**
 * The same auth, events and seed 004 handlers on the default namespace: a seed 004 client opens
 * `io(url)`, not `io(url + '/sessions')`.
 */
@WebSocketGateway({ namespace: '/', maxHttpBufferSize: 65_536 })
export class DefaultNamespaceGateway extends RealtimeGateway {}
