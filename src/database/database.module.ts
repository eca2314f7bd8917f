import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { PGlite } from '@electric-sql/pglite';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './data-source-options.js';

/** Holds this app's embedded database (if any) so that it is closed after TypeORM. */
@Injectable()
export class EmbeddedDatabase implements OnApplicationShutdown {
  instance?: PGlite;

  async onApplicationShutdown(): Promise<void> {
    if (this.instance && !this.instance.closed) await this.instance.close();
  }
}

@Module({ providers: [EmbeddedDatabase], exports: [EmbeddedDatabase] })
class EmbeddedDatabaseModule {}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [APP_CONFIG, EmbeddedDatabase],
      useFactory: async (config: AppConfig, embedded: EmbeddedDatabase) => {
        const handle = await buildDataSourceOptions(config);
        embedded.instance = handle.embedded;
        return { ...handle.options, autoLoadEntities: true, migrationsRun: true };
      },
    }),
  ],
})
export class DatabaseModule {}
