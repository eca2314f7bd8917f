import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Baileys credentials of one session (BufferJSON-encoded). */
@Entity({ name: 'wa_auth_creds' })
export class WaAuthCredsEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_auth_creds_pkey' }) sessionId: string;
  @Column('jsonb') creds: unknown;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

/** Signal keys of one session: pre-keys, sessions, sender keys, app-state keys, LID mappings… */
@Entity({ name: 'wa_auth_keys' })
export class WaAuthKeyEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_auth_keys_pkey' }) sessionId: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_auth_keys_pkey' }) type: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_auth_keys_pkey' }) id: string;
  @Column('jsonb') value: unknown;
}

/** A decrypted inbound message part, held from before its receipt until its commit (inbound-journal.ts). */
@Entity({ name: 'wa_inbound_journal' })
@Index('wa_inbound_journal_created_at_idx', ['createdAt'])
export class WaInboundJournalEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_inbound_journal_pkey' }) sessionId: string;
  @PrimaryColumn('text', { name: 'message_id', primaryKeyConstraintName: 'wa_inbound_journal_pkey' }) messageId: string;
  @PrimaryColumn('smallint', { primaryKeyConstraintName: 'wa_inbound_journal_pkey' }) part: number;
  @Column('bytea') stanza: Buffer;
  @Column('bytea') plaintext: Buffer;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
