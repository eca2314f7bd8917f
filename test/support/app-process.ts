/**
 * Runs the app in its own process (for tests that kill it without a graceful shutdown):
 *   node --import tsx test/support/app-process.ts
 * Configuration comes from the environment; prints `READY <port>` once listening. With
 * APP_PROCESS_BUILT=1 it runs the build (dist/, `npm run build`) instead of compiling src/ on the fly,
 * which starts several times faster (the crash drills restart the app often).
 */
import { register } from 'node:module';

const built = process.env.APP_PROCESS_BUILT === '1';
// Nest needs decorator metadata, which tsx does not emit: src/ is compiled by SWC hooks instead.
if (!built) register('../../bench/support/decorator-metadata-loader.mjs', import.meta.url);
const root = built ? '../../dist' : '../../src';
const { loadConfig } = (await import(`${root}/config/app-config.js`)) as typeof import('../../src/config/app-config.js');
const { createApp } = (await import(`${root}/app.factory.js`)) as typeof import('../../src/app.factory.js');

const config = loadConfig();
const { app } = await createApp(config);
await app.listen({ port: config.http.port, host: '127.0.0.1' });
const address = app.getHttpServer().address();
process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
