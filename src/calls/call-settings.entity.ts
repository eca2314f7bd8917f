import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Per tenant: reject every incoming call, optionally answering the caller with a text. */
@Entity({ name: 'call_settings' })
export class CallSettingsEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id', primaryKeyConstraintName: 'call_settings_pkey' }) tenantId: string;
  @Column('boolean', { name: 'auto_reject' }) autoReject: boolean;
  @Column('text', { nullable: true }) message: string | null;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
