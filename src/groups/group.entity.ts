/** The table owned by the groups module (migration 1795000023000). */
import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { pgJsonTransformer, pgTextTransformer } from '../common/postgres-text.js';
import { SessionEntity } from '../sessions/session.entity.js';
import type { WaGroupParticipant } from '../whatsapp/group-types.js';

@Entity({ name: 'wa_groups' })
export class GroupEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_groups_pkey' })
  @ForeignKey(() => SessionEntity, { name: 'wa_groups_session_id_fkey', onDelete: 'CASCADE' })
  sessionId: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_groups_pkey' }) jid: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { transformer: pgTextTransformer }) subject: string;
  @Column('text', { nullable: true, transformer: pgTextTransformer }) description: string | null;
  @Column('text', { nullable: true }) owner: string | null;
  @Column('timestamptz', { name: 'created_at', nullable: true }) createdAt: Date | null;
  @Column('integer') size: number;
  @Column('boolean') announce: boolean;
  @Column('boolean') restrict: boolean;
  @Column('integer') ephemeral: number;
  @Column('text', { name: 'addressing_mode' }) addressingMode: 'pn' | 'lid';
  @Column('boolean', { name: 'i_am_admin' }) iAmAdmin: boolean;
  @Column('jsonb', { transformer: pgJsonTransformer }) participants: WaGroupParticipant[];
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

export const GROUP_ENTITIES = [GroupEntity];
