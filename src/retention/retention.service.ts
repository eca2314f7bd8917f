/**
 * Deletes what is only kept for a while (delivered callbacks, mails, expired tokens and access-token refusals, expired
 * idempotency keys, finished paced sends, login failures, journal rows of sessions that never came back), every RETENTION_INTERVAL_MINUTES, through @nestjs/schedule's registry. Each DELETE
 * takes at most RETENTION_BATCH_SIZE rows, so no statement holds a table's locks for long, and the
 * loop yields between batches so that requests on the (single-connection) embedded database
 * interleave with it.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { retentionRules, type RetentionRule } from './retention-rules.js';

const JOB = 'retention';
const DAY_MS = 86_400_000;

export type RetentionReport = Record<string, number>;

@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: AppLogger;
  private running?: Promise<RetentionReport>;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.logger = logger.child({ module: 'retention' });
  }

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.run().catch((err: unknown) => this.logger.warn({ err }, 'retention run failed')), this.config.retention.intervalMinutes * 60_000);
    timer.unref();
    this.scheduler.addInterval(JOB, timer);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every rule (a pass already running is joined, not doubled); rows deleted per rule. */
  run(now = new Date()): Promise<RetentionReport> {
    this.running ??= this.runRules(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runRules(now: Date): Promise<RetentionReport> {
    const report: RetentionReport = {};
    for (const rule of retentionRules(this.config.retention)) {
      if (rule.days <= 0 || this.stopped) continue;
      report[rule.name] = await this.purge(rule, new Date(now.getTime() - rule.days * DAY_MS));
    }
    const total = Object.values(report).reduce((a, b) => a + b, 0);
    if (total > 0) this.logger.info({ deleted: report }, `retention deleted ${total} row(s)`);
    return report;
  }

  private async purge(rule: RetentionRule, cutoff: Date): Promise<number> {
    const batch = this.config.retention.batchSize;
    const sql = `DELETE FROM ${rule.table} WHERE ${rule.key} IN (SELECT ${rule.key} FROM ${rule.table} WHERE ${rule.where} LIMIT ${batch}) RETURNING 1`;
    let deleted = 0;
    for (;;) {
      const result = (await this.dataSource.query(sql, [cutoff])) as unknown[] | [unknown[], number];
      const count = Array.isArray(result[0]) ? (result[1] as number) : result.length;
      deleted += count;
      if (count < batch || this.stopped) return deleted;
      await nextTick();
    }
  }
}
