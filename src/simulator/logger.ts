import type { SimLogger } from './types.js';

const noop = (): void => undefined;

/** The default: the simulator says nothing unless given a logger. */
export const silentLogger: SimLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };
