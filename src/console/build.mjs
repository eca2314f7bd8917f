// Builds the web console (src/console/web) into static files: app.js (one bundle, no CDN), app.css,
// index.html. `node src/console/build.mjs [outDir]`; the default is dist/public, which the app serves at /.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, 'web');
export const DEFAULT_OUT_DIR = resolve(here, '../../dist/public');

export async function buildConsole(outDir = DEFAULT_OUT_DIR) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(web, 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await copyFile(join(web, 'app.css'), join(outDir, 'app.css'));
  await copyFile(join(web, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
