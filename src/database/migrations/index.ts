/**
 * Every migration, in order. Listed explicitly (not globbed) so that the app, the tests and the
 * CLI load exactly the same set under ESM.
 */
import type { MigrationInterface } from 'typeorm';

export const MIGRATIONS: Array<new () => MigrationInterface> = [];
