/**
 * DELETE /users/:id (admins). The row is deleted, not hidden: its refresh tokens and e-mail tokens
 * go with it (ON DELETE CASCADE), API keys it created stay (they are the platform's service keys;
 * `created_by` becomes null), and the address is free for a new sign-up. What belongs to the
 * tenant (sessions, chats, media, webhooks) is untouched: WhatsApp sessions keep running.
 *
 * After the commit a `user-deleted` revocation closes every connection acting as the user (its
 * access tokens, an API key or a trusted x-user-id naming it) and refuses its access tokens (that
 * refusal is stored in the deleting transaction, so a restart keeps it: access-token-refusals.ts); a key
 * or a bare id naming it is refused by the user lookup from then on.
 *
 * The last admin cannot be deleted (409): nobody could manage the platform any more. Deletions run
 * one at a time (an advisory lock), so two admins deleting each other cannot both succeed.
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { AccessTokenRefusals } from './access-token-refusals.js';
import { CredentialRevocations } from './credential-revocations.js';
import { UserEntity } from './entities/user.entity.js';
import { tenantScope } from './tenant-scope.js';

/** Arbitrary constant naming this lock among the app's advisory locks (see admin-bootstrap.service.ts). */
const USER_DELETION_LOCK = 7_240_002;

@Injectable()
export class UserDeletionService {
  private readonly logger: AppLogger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: CredentialRevocations,
    private readonly refusals: AccessTokenRefusals,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'auth' });
  }

  async delete(auth: AuthContext, userId: string): Promise<void> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [USER_DELETION_LOCK]);
      const user = await manager.findOne(UserEntity, { where: { id: userId, ...tenantScope(auth) }, select: { id: true, tenantId: true, role: true } });
      if (!user) return null;
      if (user.role === 'admin' && (await manager.countBy(UserEntity, { role: 'admin' })) <= 1) {
        throw AppError.conflict('The last admin cannot be deleted');
      }
      await manager.delete(UserEntity, { id: user.id });
      return { ...user, at: await this.refusals.record(manager, user.id) };
    });
    if (!deleted) throw AppError.notFound('User not found');
    this.revocations.publish({ kind: 'user-deleted', userId: deleted.id, at: deleted.at });
    this.logger.info({ userId: deleted.id, tenantId: deleted.tenantId, deletedBy: auth.userId }, 'user deleted');
  }
}
