/**
 * Uploads for `bench:media --convert` from a child process, as real callers are: building and
 * sending the multipart bodies is not counted in the app's event loop, CPU or RSS. Each request
 * `{ id, base, token, kind, file, count }` sends `count` uploads of the file at once and answers
 * `{ id, ok, results: [{ mime, size }] }` once all are 201.
 */
import { readFile } from 'node:fs/promises';

export interface UploadRequest {
  id: number;
  base: string;
  token: string;
  kind: 'voice' | 'sticker';
  file: string;
  count: number;
}
export interface UploadReply {
  id: number;
  ok: boolean;
  results?: Array<{ mime: string; size: number }>;
  error?: string;
}

async function upload(req: UploadRequest, bytes: Buffer): Promise<{ mime: string; size: number }> {
  const form = new FormData();
  form.append('kind', req.kind);
  form.append('file', new Blob([bytes], { type: req.kind === 'voice' ? 'audio/mpeg' : 'image/png' }), req.kind === 'voice' ? 'tone.mp3' : 'noise.png');
  const res = await fetch(`${req.base}/media`, { method: 'POST', headers: { authorization: `Bearer ${req.token}` }, body: form });
  const body = (await res.json()) as { mime: string; size: number };
  if (res.status !== 201) throw new Error(`POST /media (${req.kind}) answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

if (process.send) {
  process.send({ ready: true });
  process.on('message', (req: UploadRequest | { stop: true }) => {
    if ('stop' in req) process.exit(0);
    readFile(req.file)
      .then((bytes) => Promise.all(Array.from({ length: req.count }, () => upload(req, bytes))))
      .then(
        (results) => process.send!({ id: req.id, ok: true, results } satisfies UploadReply),
        (err: unknown) => process.send!({ id: req.id, ok: false, error: String(err) } satisfies UploadReply),
      );
  });
}
