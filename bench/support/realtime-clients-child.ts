/**
 * Child-process side of bench:realtime: K Socket.io clients of one tenant on namespace /sessions.
 * Every `session.messages.upsert` whose text is `bench-<i>` is timestamped on the shared wall clock
 * (`performance.timeOrigin + performance.now()`); once all K sockets have message i, its K arrival
 * times go to the parent.
 */
import { io, type Socket } from 'socket.io-client';

export type ClientsRequest = { op: 'connect'; url: string; token: string; clients: number; batch: number } | { op: 'stop' };
export type ClientsReply = { op: 'ready'; connectMs: number } | { op: 'message'; index: number; arrivals: number[] } | { op: 'error'; error: string };

const now = () => performance.timeOrigin + performance.now();
const send = (reply: ClientsReply) => process.send!(reply);
const sockets: Socket[] = [];
const arrivals = new Map<number, number[]>();

async function connect(req: Extract<ClientsRequest, { op: 'connect' }>): Promise<void> {
  const started = now();
  for (let done = 0; done < req.clients; done += req.batch) {
    const n = Math.min(req.batch, req.clients - done);
    await Promise.all(
      Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
        const socket = io(`${req.url}/sessions`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: req.token } });
        socket.once('session.snapshot', () => resolve());
        socket.once('unauthorized', (p: unknown) => reject(new Error(`socket refused: ${JSON.stringify(p)}`)));
        socket.once('connect_error', reject);
        socket.on('session.messages.upsert', (e: { payload: { messages: Array<{ text: string | null }> } }) => {
          const at = now();
          const m = /^bench-(\d+)$/.exec(e.payload.messages[0]?.text ?? '');
          if (!m) return;
          const index = Number(m[1]);
          const list = arrivals.get(index) ?? [];
          list.push(at);
          arrivals.set(index, list);
          if (list.length === req.clients) {
            arrivals.delete(index);
            send({ op: 'message', index, arrivals: list });
          }
        });
        sockets.push(socket);
      })),
    );
  }
  send({ op: 'ready', connectMs: now() - started });
}

process.on('message', (req: ClientsRequest) => {
  if (req.op === 'stop') {
    for (const socket of sockets) socket.disconnect();
    process.exit(0);
  }
  connect(req).catch((err: unknown) => send({ op: 'error', error: String(err) }));
});
