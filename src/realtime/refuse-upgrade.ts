/** Answers an HTTP upgrade request with an error in the one error shape, then closes the socket. */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppError } from '../common/app-error.js';
import { renderError } from '../common/error-body.js';

export function refuseUpgrade(socket: Duplex, err: AppError): void {
  const { status, headers: extra, body } = renderError(err, 'ws');
  const json = JSON.stringify(body);
  const headers = Object.entries(extra).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  // Destroyed once written: a client that never closes its side does not keep the socket.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${headers}connection: close\r\n\r\n${json}`,
    () => socket.destroy(),
  );
}
