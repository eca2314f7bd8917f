/** Read model of `idempotency_keys` (the interceptor itself uses hand-written SQL). */
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'idempotency_keys' })
@Check('idempotency_keys_state_check', "state IN ('pending', 'done')")
@Index('idempotency_keys_expires_at_idx', ['expiresAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id', primaryKeyConstraintName: 'idempotency_keys_pkey' }) tenantId: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'idempotency_keys_pkey' }) key: string;
  /** SHA-256 of the method, path and body of the first request. */
  @Column('text') fingerprint: string;
  @Column('text', { default: 'pending' }) state: 'pending' | 'done';
  @Column('integer', { name: 'response_status', nullable: true }) responseStatus: number | null;
  @Column('jsonb', { name: 'response_body', nullable: true }) responseBody: unknown;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}
