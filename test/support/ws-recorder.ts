/** Records the frames of one seed 002 plain WebSocket (`/ws/sessions`), waited on without sleeping. */
import type WebSocket from 'ws';
import type { Json } from './auth-helpers.js';
import { Waitable } from './waitable.js';

export class WsRecorder extends Waitable {
  readonly frames: Json[] = [];
  closeCode?: number;
  constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    // A refused upgrade, or a terminate() before the upgrade's answer: the test reads the status or the close instead.
    ws.on('error', () => undefined);
  }
  next(predicate: (f: Json) => boolean, what: string, timeoutMs = 20_000): Promise<Json> {
    return this.until(() => this.frames.find(predicate), what, timeoutMs);
  }
  closed(timeoutMs = 20_000): Promise<number> {
    return this.until(() => this.closeCode, 'the close', timeoutMs);
  }
  protected describeReceived(): string {
    return JSON.stringify(this.frames.map((f) => f.type));
  }
}
