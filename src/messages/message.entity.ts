import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { pgTextTransformer } from '../common/postgres-text.js';

/** Messages of a session, upserted idempotently by their WhatsApp key. */
@Entity({ name: 'wa_messages' })
@Index('wa_messages_tenant_chat_idx', ['tenantId', 'sessionId', 'remoteJid', 'timestamp'])
export class MessageEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_messages_pkey' }) sessionId: string;
  @PrimaryColumn('text', { name: 'remote_jid', primaryKeyConstraintName: 'wa_messages_pkey' }) remoteJid: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_messages_pkey' }) id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('boolean', { name: 'from_me' }) fromMe: boolean;
  @Column('text', { name: 'remote_jid_alt', nullable: true }) remoteJidAlt: string | null;
  @Column('text', { name: 'sender_phone', nullable: true }) senderPhone: string | null;
  @Column('text', { name: 'push_name', nullable: true, transformer: pgTextTransformer }) pushName: string | null;
  @Column('text') type: string;
  @Column('text', { nullable: true, transformer: pgTextTransformer }) text: string | null;
  @Column('text', { nullable: true }) status: string | null;
  @Column('bigint', { name: 'ts' }) timestamp: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
