// Node module hooks that compile the project's TypeScript with SWC, emitting decorator metadata
// (tsx/esbuild cannot, and Nest's dependency injection needs it). A bench registers them with
// `register('./support/decorator-metadata-loader.mjs', import.meta.url)` and then imports src/
// dynamically; tsx still resolves `.js` specifiers to the `.ts` files.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.ts$/.test(new URL(url).pathname) && !url.includes('/node_modules/')) {
    const filename = fileURLToPath(url);
    const out = await transform(await readFile(filename, 'utf8'), {
      filename,
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2022',
      },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    });
    return { format: 'module', source: out.code, shortCircuit: true };
  }
  return nextLoad(url, context);
}
