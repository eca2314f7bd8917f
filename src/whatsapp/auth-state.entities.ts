import { Column, Entity, PrimaryColumn } from 'typeorm';

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
