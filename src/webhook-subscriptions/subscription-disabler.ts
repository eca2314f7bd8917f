/**
 * Turns a subscription off on our side (failing for WEBHOOK_DISABLE_AFTER_HOURS, or answered 410)
 * and tells its tenant: `webhook.disabled` is emitted in the same transaction, so it reaches the
 * tenant's sockets (and the tenant's other subscriptions that chose it) only if the change committed.
 * A platform-wide subscription has no tenant to tell: it is disabled silently (and logged).
 */
import { Inject, Injectable } from '@nestjs/common';
import { rowsOf } from '../common/sql-rows.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { DomainEvents } from '../events/domain-events.js';
import { NO_SESSION_ID } from '../events/event-map.js';

interface DisabledRow {
  id: string;
  tenant_id: string | null;
  url: string;
  failing_since: Date | null;
  disabled_at: Date;
}

const RETURNING = 'RETURNING id, tenant_id, url, failing_since, updated_at AS disabled_at';

@Injectable()
export class SubscriptionDisabler {
  private readonly logger: AppLogger;

  constructor(
    private readonly events: DomainEvents,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'webhook-subscriptions' });
  }

  async disableFailing(hours: number): Promise<number> {
    return this.run(
      `UPDATE webhook_subscriptions SET enabled = false, disabled_reason = 'failing', updated_at = clock_timestamp()
        WHERE enabled AND failing_since < clock_timestamp() - $1 * interval '1 hour' ${RETURNING}`,
      [hours],
      'failing',
    );
  }

  async disable(id: string, reason: 'gone'): Promise<number> {
    return this.run(
      `UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2, updated_at = clock_timestamp()
        WHERE id = $1 AND enabled ${RETURNING}`,
      [id, reason],
      reason,
    );
  }

  private run(sql: string, params: unknown[], reason: 'failing' | 'gone'): Promise<number> {
    return this.events.transaction(async (tx) => {
      const rows = rowsOf<DisabledRow>(await tx.manager.query(sql, params));
      for (const row of rows) {
        this.logger.warn({ webhookId: row.id, tenantId: row.tenant_id, reason }, 'webhook subscription disabled');
        if (row.tenant_id === null) continue;
        await tx.emit('webhook.disabled', NO_SESSION_ID, {
          tenantId: row.tenant_id,
          webhookId: row.id,
          url: row.url,
          reason,
          failingSince: row.failing_since ? new Date(row.failing_since).toISOString() : null,
          disabledAt: new Date(row.disabled_at).toISOString(),
        });
      }
      return rows.length;
    });
  }
}
