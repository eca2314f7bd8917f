/**
 * One info line when the app has shut down, saying what was closed, so that an operator reading
 * the log sees a clean stop (and its duration) rather than silence.
 */
import { Inject, Injectable, Module, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionsModule } from '../sessions/sessions.module.js';

@Injectable()
export class ShutdownReporter implements BeforeApplicationShutdown, OnApplicationShutdown {
  private startedAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: AppLogger,
    private readonly registry: SessionRegistry,
  ) {}

  beforeApplicationShutdown(): void {
    this.startedAt = Date.now();
  }

  onApplicationShutdown(signal?: string): void {
    this.logger.info(
      {
        signal: signal ?? null,
        closed: {
          http: true,
          whatsappSockets: this.registry.closedOnShutdown,
          database: this.config.database.url ? 'postgres' : 'embedded',
        },
        durationMs: Date.now() - (this.startedAt || Date.now()),
      },
      `shut down${signal ? ` on ${signal}` : ''}: HTTP server, SSE streams, realtime sockets, ${this.registry.closedOnShutdown} WhatsApp socket(s), callback worker and database closed`,
    );
  }
}

@Module({ imports: [SessionsModule], providers: [ShutdownReporter] })
export class LifecycleModule {}
