/**
 * Subscriptions CRUD, test deliveries and the delivery log. A user sees and manages its tenant's
 * subscriptions; an admin also the platform-wide ones (tenant_id NULL). Anything else is a 404.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { decodePgJson } from '../common/postgres-text.js';
import { assertPublicUrl } from '../common/url-guard.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { NO_SESSION_ID } from '../events/event-map.js';
import { checkEvents, checkHeaders, checkUrl, TEST_EVENT } from './subscription-input.js';
import { SubscriptionQueueRepository } from './subscription-queue.repository.js';
import { SubscriptionWorker } from './subscription-worker.service.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entities.js';
import {
  mapDelivery, mapWebhook, type CreateWebhookDto, type DeliveryRow, type ListWebhookDeliveriesQueryDto, type UpdateWebhookDto,
  type SubscriptionDeliveryDto, type SubscriptionDeliveryListDto, type WebhookDto, type WebhookListDto, type WebhookWithSecretDto,
} from './webhook-subscriptions.dto.js';

const MAX_PER_TENANT = 100;

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

const notFound = (): AppError => new AppError(HttpStatus.NOT_FOUND, 'NOT_FOUND', 'No such webhook');

const DELIVERY_COLUMNS = `id, subscription_id, session_id, seq, event_type, status, attempts, last_status_code, last_error,
  last_attempt_at, next_attempt_at, created_at, created_at::text AS created_text, delivered_at, body::text AS body`;

@Injectable()
export class WebhookSubscriptionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(WebhookSubscriptionEntity) private readonly repo: Repository<WebhookSubscriptionEntity>,
    private readonly queue: SubscriptionQueueRepository,
    private readonly worker: SubscriptionWorker,
    private readonly dataSource: DataSource,
  ) {}

  async create(auth: AuthContext, dto: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    if (dto.scope === 'platform' && auth.role !== 'admin') {
      throw new AppError(HttpStatus.FORBIDDEN, 'FORBIDDEN', 'Only an admin can create a platform-wide webhook');
    }
    const tenantId = dto.scope === 'platform' ? null : auth.tenantId;
    const url = await this.checkedUrl(dto.url);
    const events = checkEvents(dto.events);
    const headers = checkHeaders(dto.headers ?? {});
    const count = await this.repo.count({ where: tenantId === null ? {} : { tenantId } });
    if (tenantId !== null && count >= MAX_PER_TENANT) {
      throw new AppError(HttpStatus.CONFLICT, 'CONFLICT', `A tenant has at most ${MAX_PER_TENANT} webhooks`);
    }
    const row = this.repo.create({
      id: randomUUID(),
      tenantId,
      url,
      events,
      sessionIds: dto.sessionIds && dto.sessionIds.length > 0 ? [...new Set(dto.sessionIds)] : null,
      headers,
      secret: newSecret(),
      description: dto.description ?? null,
      enabled: true,
      failingSince: null,
      disabledReason: null,
    });
    const saved = await this.repo.save(row);
    const fresh = await this.repo.findOneByOrFail({ id: saved.id });
    return { ...mapWebhook(fresh), secret: fresh.secret };
  }

  async list(auth: AuthContext): Promise<WebhookListDto> {
    const rows = await this.repo
      .createQueryBuilder('w')
      .where(auth.role === 'admin' ? '(w.tenant_id = :tenant OR w.tenant_id IS NULL)' : 'w.tenant_id = :tenant', { tenant: auth.tenantId })
      .orderBy('w.created_at', 'DESC')
      .addOrderBy('w.id', 'DESC')
      .getMany();
    return { data: rows.map(mapWebhook) };
  }

  async get(auth: AuthContext, id: string): Promise<WebhookDto> {
    return mapWebhook(await this.visible(auth, id));
  }

  async update(auth: AuthContext, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const row = await this.visible(auth, id);
    if (dto.url !== undefined) row.url = await this.checkedUrl(dto.url);
    if (dto.events !== undefined) row.events = checkEvents(dto.events);
    if (dto.headers !== undefined) row.headers = checkHeaders(dto.headers);
    if (dto.sessionIds !== undefined) row.sessionIds = dto.sessionIds && dto.sessionIds.length > 0 ? [...new Set(dto.sessionIds)] : null;
    if (dto.description !== undefined) row.description = dto.description;
    if (dto.enabled !== undefined && dto.enabled !== row.enabled) {
      row.enabled = dto.enabled;
      row.failingSince = null;
      row.disabledReason = null;
    }
    row.updatedAt = new Date();
    await this.repo.save(row);
    if (row.enabled) this.worker.kick();
    return mapWebhook(row);
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    const row = await this.visible(auth, id);
    await this.repo.delete({ id: row.id });
  }

  async rotateSecret(auth: AuthContext, id: string): Promise<WebhookWithSecretDto> {
    const row = await this.visible(auth, id);
    row.secret = newSecret();
    row.updatedAt = new Date();
    await this.repo.save(row);
    return { ...mapWebhook(row), secret: row.secret };
  }

  /** Queues a `webhook.test` delivery (whatever the filter; even when disabled it waits for enabling). */
  async test(auth: AuthContext, id: string): Promise<SubscriptionDeliveryDto> {
    const row = await this.visible(auth, id);
    const deliveryId = randomUUID();
    const tenantId = row.tenantId ?? auth.tenantId;
    const envelope = {
      type: TEST_EVENT,
      sessionId: NO_SESSION_ID,
      eventId: randomUUID(),
      occurredOn: new Date().toISOString(),
      payload: { tenantId, webhookId: row.id, message: 'This is a test delivery' },
    };
    await this.dataSource.transaction((manager) =>
      this.queue.enqueueOne(manager, { id: deliveryId, subscriptionId: row.id, tenantId, sessionId: NO_SESSION_ID, eventType: TEST_EVENT, envelope }),
    );
    this.worker.kick();
    return this.delivery(row.id, deliveryId);
  }

  async deliveries(auth: AuthContext, id: string, query: ListWebhookDeliveriesQueryDto): Promise<SubscriptionDeliveryListDto> {
    const row = await this.visible(auth, id);
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, ['s', 's']);
    const params: unknown[] = [row.id, limit + 1];
    let where = 'subscription_id = $1';
    if (query.status) {
      params.push(query.status);
      where += ` AND status = $${params.length}`;
    }
    if (after) {
      params.push(after[0], after[1]);
      where += ` AND (created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_subscription_deliveries WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    ).catch((err: unknown) => {
      // A cursor that decodes but names no valid time or id is a bad cursor, not a server error.
      if (after) throw new AppError(HttpStatus.BAD_REQUEST, 'INVALID_CURSOR', 'The cursor is not one this API issued');
      throw err;
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => this.mapDelivery(r)),
      nextCursor: rows.length > limit && last ? encodeCursor([last.created_text, last.id]) : null,
    };
  }

  /** A dead delivery goes back to pending; a pending one is tried now. A delivered one: 409. */
  async retry(auth: AuthContext, id: string, deliveryId: string): Promise<SubscriptionDeliveryDto> {
    const row = await this.visible(auth, id);
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE webhook_subscription_deliveries SET status = 'pending', next_attempt_at = clock_timestamp(), updated_at = clock_timestamp()
        WHERE id = $1 AND subscription_id = $2 AND status IN ('dead', 'pending') RETURNING id`,
      [deliveryId, row.id],
    );
    if (result[1] === 0) {
      const current = await this.delivery(row.id, deliveryId);
      throw new AppError(HttpStatus.CONFLICT, 'CONFLICT', `The delivery is ${current.status}, not dead or pending`);
    }
    this.worker.kick();
    return this.delivery(row.id, deliveryId);
  }

  private async delivery(subscriptionId: string, deliveryId: string): Promise<SubscriptionDeliveryDto> {
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_subscription_deliveries WHERE id = $1 AND subscription_id = $2`,
      [deliveryId, subscriptionId],
    );
    if (!rows[0]) throw new AppError(HttpStatus.NOT_FOUND, 'NOT_FOUND', 'No such delivery');
    return this.mapDelivery(rows[0]);
  }

  private mapDelivery(row: DeliveryRow): SubscriptionDeliveryDto {
    const dto = mapDelivery(row);
    return row.body.includes('\uE000') ? { ...dto, body: decodePgJson(dto.body) as Record<string, unknown> } : dto;
  }

  private async checkedUrl(value: string): Promise<string> {
    const url = checkUrl(value);
    await assertPublicUrl(url, this.config.allowPrivateUrls);
    return url.toString();
  }

  private async visible(auth: AuthContext, id: string): Promise<WebhookSubscriptionEntity> {
    const row = await this.repo.findOneBy({ id });
    if (!row) throw notFound();
    if (row.tenantId === null ? auth.role !== 'admin' : row.tenantId !== auth.tenantId) throw notFound();
    return row;
  }
}
