import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity.js';

export type EmailTokenPurpose = 'verify_email' | 'password_reset';

/** Single-use, expiring token sent by e-mail; only its digest is stored. */
@Entity({ name: 'email_tokens' })
@Check('email_tokens_purpose_check', `"purpose" IN ('verify_email', 'password_reset')`)
@Index('email_tokens_user_id_purpose_idx', ['userId', 'purpose'])
@Index('email_tokens_expires_at_idx', ['expiresAt'])
@Index('email_tokens_used_at_idx', ['usedAt'])
export class EmailTokenEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'email_tokens_pkey' }) id: string;
  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => UserEntity, { name: 'email_tokens_user_id_fkey', onDelete: 'CASCADE' })
  userId: string;
  @Column({ type: 'varchar', length: 32 }) purpose: EmailTokenPurpose;
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
