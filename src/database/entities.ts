/** Every entity, for the migration CLI (the app loads them per module with autoLoadEntities). */
import type { DataSourceOptions } from 'typeorm';

export const ALL_ENTITIES: NonNullable<DataSourceOptions['entities']> = [];
