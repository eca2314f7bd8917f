/**
 * Serves the web console (built by `npm run build` into dist/public) at `/`. Every file gets its
 * own GET route (no wildcard), so the API's paths, `/docs` and Socket.io are untouched; the console
 * uses hash routing and relative URLs, so it also works behind a path prefix.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppLogger } from '../common/logger.js';

/** src/console/ and dist/console/ are both two levels below the package root. */
export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/public');

export async function serveConsole(app: NestFastifyApplication, logger: AppLogger, root = CONSOLE_DIR): Promise<void> {
  if (!existsSync(resolve(root, 'index.html'))) {
    logger.warn({ root }, 'web console not built (npm run build): / serves nothing');
    return;
  }
  await app.register(fastifyStatic as never, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: true,
    maxAge: 0,
    etag: true,
  });
}
