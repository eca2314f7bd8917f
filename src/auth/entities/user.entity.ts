import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { Role } from '../../common/auth-context.js';
import { TenantEntity } from './tenant.entity.js';

/** E-mail addresses are unique case-insensitively (a unique index on lower(email)). */
@Entity({ name: 'users' })
@Check('users_role_check', `"role" IN ('user', 'admin')`)
/** UNIQUE on lower(email): an expression index TypeORM cannot model; the migration owns it. */
@Index('users_email_lower_key', { synchronize: false })
@Index('users_tenant_id_idx', ['tenantId'])
export class UserEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'users_pkey' }) id: string;
  @Column({ name: 'tenant_id', type: 'uuid' })
  @ForeignKey(() => TenantEntity, { name: 'users_tenant_id_fkey', onDelete: 'CASCADE' })
  tenantId: string;
  @Column({ type: 'varchar', length: 254 }) email: string;
  @Column({ type: 'varchar', length: 100 }) name: string;
  @Column({ type: 'varchar', length: 16 }) role: Role;
  @Column({ name: 'password_hash', type: 'text' }) passwordHash: string;
  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true }) emailVerifiedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
}
