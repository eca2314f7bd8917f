/** The tables owned by the contacts module: contacts and the LID↔PN mappings chats share. */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { pgTextTransformer } from '../common/postgres-text.js';

/** One person per session; `jid` is canonical (the PN jid when known, else the LID). */
@Entity({ name: 'wa_contacts' })
export class ContactEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_contacts_pkey' }) sessionId: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_contacts_pkey' }) jid: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'pn_jid', nullable: true }) pnJid: string | null;
  @Column('text', { name: 'lid_jid', nullable: true }) lidJid: string | null;
  /** The name in the account's address book (history, app state). */
  @Column('text', { nullable: true, transformer: pgTextTransformer }) name: string | null;
  /** The contact's own push name. */
  @Column('text', { nullable: true, transformer: pgTextTransformer }) notify: string | null;
  @Column('text', { name: 'verified_name', nullable: true, transformer: pgTextTransformer }) verifiedName: string | null;
  @Column('text', { name: 'img_url', nullable: true }) imgUrl: string | null;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

@Entity({ name: 'wa_lid_mappings' })
@Index('wa_lid_mappings_pn_idx', ['sessionId', 'pn'])
export class LidMappingEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_lid_mappings_pkey' }) sessionId: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_lid_mappings_pkey' }) lid: string;
  @Column('text') pn: string;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

export const CONTACT_ENTITIES = [ContactEntity, LidMappingEntity];
