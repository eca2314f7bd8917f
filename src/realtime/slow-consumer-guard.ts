/**
 * Socket.io never waits for a client: a client that stops reading only grows its own send buffer
 * (engine.io queues packets while the previous write is unflushed). This sweep, off the hot path,
 * drops such a client before its buffer costs the process memory; it reconnects and gets a fresh
 * snapshot. The heartbeat (ping timeout) catches dead peers on its own.
 */
import type { RealtimeNamespace, RealtimeSocket } from './realtime-protocol.js';

export interface SlowConsumerPolicy {
  /** Packets waiting in a socket's buffer above which it is dropped. */
  maxBufferedPackets: number;
  sweepIntervalMs: number;
}

export const DEFAULT_SLOW_CONSUMER_POLICY: SlowConsumerPolicy = { maxBufferedPackets: 5_000, sweepIntervalMs: 5_000 };

/** The engine.io packets queued for a socket and not yet handed to its transport. */
export function bufferedPackets(socket: Pick<RealtimeSocket, 'conn'>): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}

/** Sockets over the limit (pure over the namespace's sockets, for tests). */
export function slowConsumers(sockets: Iterable<RealtimeSocket>, maxBufferedPackets: number): RealtimeSocket[] {
  const out: RealtimeSocket[] = [];
  for (const socket of sockets) if (bufferedPackets(socket) > maxBufferedPackets) out.push(socket);
  return out;
}

export function startSlowConsumerSweep(
  namespace: RealtimeNamespace,
  policy: SlowConsumerPolicy,
  onDrop: (socket: RealtimeSocket, buffered: number) => void,
): () => void {
  const timer = setInterval(() => {
    for (const socket of slowConsumers(namespace.sockets.values(), policy.maxBufferedPackets)) {
      const buffered = bufferedPackets(socket);
      onDrop(socket, buffered);
      socket.disconnect();
      // Discard what is queued: waiting for a stuck client to drain is what we are avoiding.
      socket.conn.close(true);
    }
  }, policy.sweepIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
