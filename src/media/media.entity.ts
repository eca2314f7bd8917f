import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { pgJsonTransformer, pgTextTransformer } from '../common/postgres-text.js';
import type { MediaKind } from '../config/app-config.js';

/**
 * `upload`: sent to us through POST /media; `inbound`: downloaded from a WhatsApp message;
 * `sent`: a message we sent with an upload (same object key as the upload).
 */
export type MediaOrigin = 'upload' | 'inbound' | 'sent';
/**
 * `pending`: its bytes are not stored yet (a download to do, due at `nextAttemptAt`);
 * `downloading`: claimed by a download until `nextAttemptAt` (its lease); `stored`: done;
 * `failed`: every automatic attempt failed (`POST /chats/:jid/messages/:id/media` tries again).
 */
export type MediaState = 'pending' | 'downloading' | 'stored' | 'failed';

/** A media object: its storage key and what it is. URLs are minted on read, never stored. */
@Entity({ name: 'wa_media' })
@Index('wa_media_tenant_idx', ['tenantId', 'createdAt'])
@Index('wa_media_message_key', ['sessionId', 'chatJid', 'messageId'], { unique: true })
@Index('wa_media_state_idx', ['state', 'nextAttemptAt'])
@Check('wa_media_origin_check', "origin IN ('upload','inbound','sent')")
@Check('wa_media_kind_check', "kind IN ('image','video','audio','voice','document','sticker')")
@Check('wa_media_state_check', "state IN ('pending','downloading','stored','failed')")
export class MediaEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'wa_media_pkey' }) id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'session_id', nullable: true }) sessionId: string | null;
  @Column('text') origin: MediaOrigin;
  /** The jid the message was addressed with (its key's remoteJid), with `messageId` the message's address. */
  @Column('text', { name: 'chat_jid', nullable: true }) chatJid: string | null;
  @Column('text', { name: 'message_id', nullable: true }) messageId: string | null;
  @Column('text') kind: MediaKind;
  @Column('text') mime: string;
  @Column('text') state: MediaState;
  @Column('text', { name: 'storage_key', nullable: true }) storageKey: string | null;
  @Column('bigint', { nullable: true }) size: string | null;
  @Column('text', { nullable: true }) sha256: string | null;
  @Column('text', { name: 'file_name', nullable: true, transformer: pgTextTransformer }) fileName: string | null;
  @Column('text', { nullable: true, transformer: pgTextTransformer }) caption: string | null;
  @Column('int', { nullable: true }) width: number | null;
  @Column('int', { nullable: true }) height: number | null;
  @Column('int', { name: 'duration_seconds', nullable: true }) durationSeconds: number | null;
  @Column('bytea', { nullable: true }) thumbnail: Buffer | null;
  /** A voice note's waveform (64 bars, 0–100), computed when an upload was converted. */
  @Column('bytea', { nullable: true }) waveform: Buffer | null;
  @Column('bytea', { name: 'wa_media_key', nullable: true }) waMediaKey: Buffer | null;
  @Column('text', { name: 'wa_direct_path', nullable: true }) waDirectPath: string | null;
  @Column('int', { default: 0 }) attempts: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt: Date | null;
  /** The node whose download claimed the row (cluster mode's NODE_ID; null for a single node). */
  @Column('text', { name: 'claimed_by', nullable: true }) claimedBy: string | null;
  /** The messages/received callback held back until the first download attempt (then emitted, and cleared). */
  @Column('jsonb', { nullable: true, transformer: pgJsonTransformer }) announce: Record<string, unknown> | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
