/**
 * Runs the app in its own process (for tests that kill it without a graceful shutdown):
 *   node --import tsx test/support/app-process.ts
 * Configuration comes from the environment; prints `READY <port>` once listening.
 */
import { register } from 'node:module';

// Nest needs decorator metadata, which tsx does not emit: src/ is compiled by SWC hooks instead.
register('../../bench/support/decorator-metadata-loader.mjs', import.meta.url);
const { loadConfig } = await import('../../src/config/app-config.js');
const { createApp } = await import('../../src/app.factory.js');

const config = loadConfig();
const { app } = await createApp(config);
await app.listen({ port: config.http.port, host: '127.0.0.1' });
const address = app.getHttpServer().address();
process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
