/** The operators' view of the outbox: list, inspect, re-queue dead callbacks, stats. */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { WebhookAttemptEntity, WebhookDeliveryEntity } from './webhook.entities.js';
import { WebhookQueueRepository } from './webhook-queue.repository.js';
import { WebhookWorker } from './webhook-worker.service.js';
import {
  mapAttempt,
  mapDelivery,
  mapStats,
  type DeliveryDetailResponseDto,
  type DeliveryListResponseDto,
  type DeliveryResponseDto,
  type ListDeliveriesQueryDto,
  type WebhookStatsResponseDto,
} from './webhooks.dto.js';

@Injectable()
export class WebhooksAdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookAttemptEntity) private readonly attempts: Repository<WebhookAttemptEntity>,
    private readonly queue: WebhookQueueRepository,
    private readonly worker: WebhookWorker,
  ) {}

  async list(query: ListDeliveriesQueryDto): Promise<DeliveryListResponseDto> {
    const qb = this.deliveries.createQueryBuilder('d');
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    if (query.sessionId) qb.andWhere('d.session_id = :sessionId', { sessionId: query.sessionId });
    if (query.tenantId) qb.andWhere('d.tenant_id = :tenantId', { tenantId: query.tenantId });
    if (query.event) qb.andWhere('d.event = :event', { event: query.event });
    if (query.from) qb.andWhere('d.created_at >= :from', { from: new Date(query.from) });
    if (query.to) qb.andWhere('d.created_at < :to', { to: new Date(query.to) });
    const [rows, total] = await qb
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.session_id', 'ASC')
      .addOrderBy('d.seq', 'DESC')
      .skip(query.offset)
      .take(query.limit)
      .getManyAndCount();
    return { success: true, data: rows.map(mapDelivery), total, limit: query.limit, offset: query.offset };
  }

  async get(id: string): Promise<DeliveryDetailResponseDto> {
    const row = await this.deliveries.findOneBy({ id });
    if (!row) throw AppError.notFound('Webhook delivery not found');
    const attempts = await this.attempts.find({ where: { deliveryId: id }, order: { attemptNo: 'ASC', id: 'ASC' } });
    return { success: true, data: { ...mapDelivery(row), attemptLog: attempts.map(mapAttempt) } };
  }

  async retry(id: string): Promise<DeliveryResponseDto> {
    const result = await this.queue.requeueDead(id, this.config.callbacks.retries);
    if (result === 'not_found') throw AppError.notFound('Webhook delivery not found');
    if (result === 'not_dead') throw AppError.conflict('Only a dead delivery can be retried');
    const row = await this.deliveries.findOneByOrFail({ id });
    this.worker.kick();
    return { success: true, data: mapDelivery(row) };
  }

  async stats(): Promise<WebhookStatsResponseDto> {
    return mapStats(await this.queue.stats());
  }
}
