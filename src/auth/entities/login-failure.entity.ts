import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One failed login. Kept in the database (not in memory) so that throttling survives restarts
 * and holds across instances; rows older than the window are pruned as new failures arrive.
 */
@Entity({ name: 'login_failures' })
export class LoginFailureEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'account_key', type: 'varchar', length: 254 }) accountKey: string;
  @Column({ type: 'varchar', length: 64 }) ip: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
}
