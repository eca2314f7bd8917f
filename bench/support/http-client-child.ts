/** Child-process side of HttpClientProcess: batches of POSTs, all at once. */
import { postJson } from '../../test/support/app-process-runner.js';
import type { HttpClientReply, HttpClientRequest } from './http-client-process.js';

process.send!({ ready: true });
process.on('message', (req: HttpClientRequest) => {
  if ('stop' in req) process.exit(0);
  Promise.all(req.posts.map(({ path, body }) => postJson(req.baseUrl, path, body, req.token))).then(
    (results) => process.send!({ id: req.id, ok: true, results } satisfies HttpClientReply),
    (err: unknown) => process.send!({ id: req.id, ok: false, error: String(err) } satisfies HttpClientReply),
  );
});
