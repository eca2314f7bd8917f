/**
 * First start of the embedded database: PGlite's initdb runs in its own WebAssembly instance and
 * leaves ~430 MB of memory behind in the process that ran it (its heap, the file-system bundle),
 * which V8 and glibc never give back. A short-lived child process creates the data directory
 * instead, so the server itself only ever opens an initialized one (docs/operations.md, "Memory").
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const INIT_SOURCE = `import(process.argv[1]).then(async ({ PGlite }) => {
  const db = new PGlite(process.argv[2]);
  await db.waitReady;
  await db.close();
});`;

/** Whether `dir` already holds a PostgreSQL cluster. */
export const isInitialized = (dir: string): boolean => existsSync(join(dir, 'PG_VERSION'));

/** Creates the embedded cluster in `dir` (if it does not exist yet) in a child process. */
export async function initEmbeddedDirectory(dir: string): Promise<void> {
  if (isInitialized(dir)) return;
  const pglite = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  await promisify(execFile)(process.execPath, ['--liftoff-only', '-e', INIT_SOURCE, pglite, dir], {
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}
