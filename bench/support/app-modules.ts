/**
 * The app's modules for a benchmark. Nest needs decorator metadata, which tsx does not emit, so
 * src/ is compiled by SWC hooks instead (registered before the first import of src/).
 */
import { register } from 'node:module';

export async function loadAppModules() {
  register('./decorator-metadata-loader.mjs', import.meta.url);
  const [{ createApp }, { loadConfig }, { createRootLogger }, { DomainEvents }] = await Promise.all([
    import('../../src/app.factory.js'),
    import('../../src/config/app-config.js'),
    import('../../src/common/logger.js'),
    import('../../src/events/domain-events.js'),
  ]);
  return { createApp, loadConfig, createRootLogger, DomainEvents };
}
