import { ConfigError, loadConfig } from './config/app-config.js';
import { createApp } from './app.factory.js';

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
  const { app, logger } = await createApp(config);
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info(
    { port: config.http.port, database: config.database.url ? 'postgres' : 'embedded', sandbox: config.whatsapp.sandbox },
    `listening on http://${config.http.host}:${config.http.port} (docs at /docs)`,
  );
}

void bootstrap();
