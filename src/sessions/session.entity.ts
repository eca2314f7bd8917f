import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AccountType, SessionStatus } from '../events/event-map.js';

/** A session's pacing (PATCH /sessions/:id): a random gap in [min, max] ms between sends, typing shown before each. */
export interface Pacing {
  minIntervalMs: number;
  maxIntervalMs: number;
  typing: boolean;
}

/** Whether the session should be running: restored at boot, or left alone after a stop. */
export type DesiredState = 'running' | 'stopped';

/** Who started the session: the REST API (kept across restarts) or an SSE onboarding (needs its client). */
export type SessionOrigin = 'api' | 'sse';

@Entity({ name: 'wa_sessions' })
@Index('wa_sessions_tenant_idx', ['tenantId', 'createdAt'])
@Check('wa_sessions_status_check', "status IN ('init','qr_required','connecting','connected','disconnected','expired','logged_out','error')")
@Check('wa_sessions_desired_state_check', "desired_state IN ('running','stopped')")
@Check('wa_sessions_account_type_check', "account_type IN ('personal','business')")
@Check('wa_sessions_origin_check', "origin IN ('api','sse')")
export class SessionEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'wa_sessions_pkey' }) id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy: string | null;
  @Column('text') status: SessionStatus;
  @Column('text', { name: 'desired_state', default: 'running' }) desiredState: DesiredState;
  @Column('text', { nullable: true }) phone: string | null;
  @Column('text', { name: 'whatsapp_user_id', nullable: true }) whatsappUserId: string | null;
  @Column('text', { nullable: true }) lid: string | null;
  @Column('text', { name: 'device_name', nullable: true }) deviceName: string | null;
  @Column('text', { name: 'account_type', nullable: true }) accountType: AccountType | null;
  @Column('text', { nullable: true }) platform: string | null;
  @Column('text', { name: 'qr_data_url', nullable: true }) qrDataUrl: string | null;
  @Column('text', { name: 'qr_text', nullable: true }) qrText: string | null;
  @Column('timestamptz', { name: 'qr_expires_at', nullable: true }) qrExpiresAt: Date | null;
  @Column('timestamptz', { name: 'paired_at', nullable: true }) pairedAt: Date | null;
  @Column('timestamptz', { name: 'connected_at', nullable: true }) connectedAt: Date | null;
  @Column('timestamptz', { name: 'disconnected_at', nullable: true }) disconnectedAt: Date | null;
  @Column('text', { name: 'disconnected_reason', nullable: true }) disconnectedReason: string | null;
  @Column('int', { name: 'last_status_code', nullable: true }) lastStatusCode: number | null;
  @Column('text', { default: 'api' }) origin: SessionOrigin;
  @Column('int', { name: 'qr_count', default: 0 }) qrCount: number;
  /** The session's own proxy (http, https or socks5 URL, credentials included): never in answers or logs. */
  @Column('text', { name: 'proxy_url', nullable: true }) proxyUrl: string | null;
  /** Paced sends (src/send-queue): null sends at once. */
  @Column('jsonb', { nullable: true }) pacing: Pacing | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

/** Per-tenant switches (seed 001's `POST /config/download-media`). */
@Entity({ name: 'tenant_settings' })
export class TenantSettingsEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id', primaryKeyConstraintName: 'tenant_settings_pkey' }) tenantId: string;
  @Column('boolean', { name: 'download_media' }) downloadMedia: boolean;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
