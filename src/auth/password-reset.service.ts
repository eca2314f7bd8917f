/** Password reset by e-mail: request (always 202) and confirm (revokes every refresh token). */
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AccessTokenRefusals } from './access-token-refusals.js';
import { PasswordHasher } from './crypto/password-hasher.js';
import { EmailTokensService } from './email-tokens.service.js';
import { UserEntity } from './entities/user.entity.js';
import { passwordResetMail } from './mail/auth-mails.js';
import { MAILER, type Mailer } from './mail/mailer.port.js';
import { CredentialRevocations } from './credential-revocations.js';
import { RefreshTokensService } from './refresh-tokens.service.js';
import { UserAccountsService } from './user-accounts.service.js';

@Injectable()
export class PasswordResetService {
  private readonly logger: AppLogger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: UserAccountsService,
    private readonly emailTokens: EmailTokensService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly hasher: PasswordHasher,
    private readonly revocations: CredentialRevocations,
    private readonly refusals: AccessTokenRefusals,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'auth' });
  }

  /** Sends a reset mail when the address is registered; the caller cannot tell either way. */
  async request(email: string): Promise<void> {
    const user = await this.accounts.findByEmail(email);
    if (!user) return;
    const token = await this.emailTokens.issue(user.id, 'password_reset');
    const baseUrl = this.config.http.publicBaseUrl ?? `http://localhost:${this.config.http.port}`;
    await this.mailer.send(passwordResetMail(user, token, baseUrl, this.emailTokens.ttlSeconds));
    this.logger.info({ userId: user.id }, 'password reset requested');
  }

  async confirm(token: string, newPassword: string): Promise<void> {
    const passwordHash = await this.hasher.hash(newPassword);
    const done = await this.dataSource.transaction(async (manager) => {
      const owner = await this.emailTokens.consume(manager, token, 'password_reset');
      if (!owner) return null;
      const now = new Date();
      const user = await manager.findOneByOrFail(UserEntity, { id: owner });
      // Following the link proves the address, so it counts as verified too.
      await manager.update(UserEntity, { id: owner }, { passwordHash, updatedAt: now, emailVerifiedAt: user.emailVerifiedAt ?? now });
      await this.refreshTokens.revokeAllForUser(owner, manager);
      return { userId: owner, at: await this.refusals.record(manager, owner) };
    });
    if (!done) throw AppError.badRequest('Invalid, used or expired password reset token');
    const { userId, at } = done;
    this.revocations.publish({ kind: 'user-tokens', userId, at });
    this.logger.info({ userId }, 'password reset; all refresh tokens revoked');
  }
}
