import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A user's access tokens issued before `not_before_ms` are refused (logout-all, password reset,
 * user deletion), until `expires_at` (= not_before_ms + the access-token lifetime then, after which
 * every such token has expired on its own). One row per user, the latest revocation; no foreign key:
 * the row must outlive the user's deletion. Loaded into memory at boot (credential-revocations.ts);
 * requests are checked in memory only.
 */
@Entity({ name: 'access_token_refusals' })
@Index('access_token_refusals_expires_at_idx', ['expiresAt'])
export class AccessTokenRefusalEntity {
  @PrimaryColumn('uuid', { name: 'user_id', primaryKeyConstraintName: 'access_token_refusals_pkey' }) userId: string;
  /** ms since the epoch (the tokens' `iat_ms` resolution); bigint, so read as a string. */
  @Column({ name: 'not_before_ms', type: 'bigint' }) notBeforeMs: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
}
