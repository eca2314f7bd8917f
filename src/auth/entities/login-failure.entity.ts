import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One failed login. Kept in the database (not in memory) so that throttling survives restarts
 * and holds across instances; rows older than the window are pruned as new failures arrive.
 */
@Entity({ name: 'login_failures' })
@Index('login_failures_account_idx', ['accountKey', 'occurredAt'])
@Index('login_failures_ip_idx', ['ip', 'occurredAt'])
@Index('login_failures_occurred_at_idx', ['occurredAt'])
export class LoginFailureEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'login_failures_pkey' }) id: string;
  @Column({ name: 'account_key', type: 'varchar', length: 254 }) accountKey: string;
  @Column({ type: 'varchar', length: 64 }) ip: string;
  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' }) occurredAt: Date;
}
