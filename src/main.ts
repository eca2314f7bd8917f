import { ConfigError, loadConfig } from './config/app-config.js';
import { createApp } from './app.factory.js';

/** A boot failure as one line an operator can act on (no stack trace for what is not a bug). */
function describeBootFailure(err: unknown, port: number): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'EADDRINUSE') return `PORT ${port} is already in use`;
  if (e?.code === 'EACCES' || e?.code === 'EROFS') return `DATA_DIR or PORT is not accessible: ${e.message}`;
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === '28P01' || e?.code === '3D000') {
    return `DATABASE_URL: cannot connect (${e.code}: ${e.message})`;
  }
  return `${e?.message ?? String(err)}`;
}

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  try {
    const { app, logger } = await createApp(config);
    await app.listen({ port: config.http.port, host: config.http.host });
    logger.info(
      { port: config.http.port, database: config.database.url ? 'postgres' : 'embedded', sandbox: config.whatsapp.sandbox },
      `listening on http://${config.http.host}:${config.http.port} (docs at /docs)`,
    );
  } catch (err) {
    console.error(`Could not start: ${describeBootFailure(err, config.http.port)}`);
    process.exit(1);
  }
}

void bootstrap();
