/**
 * Whether this process may run a session. A single node owns every session and needs none of
 * this; cluster mode (src/cluster) registers a lease-backed implementation with the registry.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { WriteFence } from '../whatsapp/postgres-auth-state.js';

export interface SessionOwnership {
  /** Claims the session for this node: the fence of its writes, or null when another live node holds it. */
  claim(sessionId: string): Promise<WriteFence | null>;
  /** Gives the session up once its socket is closed, so that another node can claim it at once. */
  release(sessionId: string): Promise<void>;
  /** The process is shutting down: called before its sockets close (a hand-off to the other nodes). */
  leaving(): Promise<void>;
}

/** Another live node owns the session: the request belongs there (the forwarder re-resolves). */
export class OwnedElsewhereError extends AppError {
  constructor(readonly sessionId: string) {
    super(HttpStatus.MISDIRECTED, 'MISDIRECTED_REQUEST', 'Another node owns this session: send the request again');
  }
}
