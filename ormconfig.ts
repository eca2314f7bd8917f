/** TypeORM data source for the TypeORM CLI (`npx typeorm-ts-node-esm -d ormconfig.ts ...`). */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config.js';
import { buildDataSourceOptions } from './src/database/data-source-options.js';
import { ALL_ENTITIES } from './src/database/entities.js';

export default new DataSource((await buildDataSourceOptions(loadConfig(), ALL_ENTITIES)).options);
