import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Baileys credentials of one session (BufferJSON-encoded). */
@Entity({ name: 'wa_auth_creds' })
export class WaAuthCredsEntity {
  @PrimaryColumn('uuid', { name: 'session_id' }) sessionId: string;
  @Column('jsonb') creds: unknown;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

/** Signal keys of one session: pre-keys, sessions, sender keys, app-state keys, LID mappings… */
@Entity({ name: 'wa_auth_keys' })
export class WaAuthKeyEntity {
  @PrimaryColumn('uuid', { name: 'session_id' }) sessionId: string;
  @PrimaryColumn('text') type: string;
  @PrimaryColumn('text') id: string;
  @Column('jsonb') value: unknown;
}
