/** What a live session's commands throw when its state does not allow them (mapped to 409s by the services). */
import type { SessionStatus } from '../events/event-map.js';

export class SessionNotConnectedError extends Error {
  constructor(readonly status: SessionStatus) {
    super(`The session is not connected (status: ${status})`);
  }
}

export class NotAwaitingScanError extends Error {
  constructor(readonly status: SessionStatus) {
    super(`The session is not waiting for a scan (status: ${status})`);
  }
}
