/**
 * Identity and tenants: users, tenants, login and refresh tokens, e-mail tokens and the mailer,
 * service API keys, login throttling, and the global guard that authenticates every route.
 *
 * Exports `AuthenticationService` (for the SSE endpoint and the Socket.io gateway) and
 * `UserAccountsService`.
 */
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AccessTokenRefusals } from './access-token-refusals.js';
import { AccessTokensService, JWT_ALGORITHM } from './access-tokens.service.js';
import { CredentialRevocations } from './credential-revocations.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AUTH_ENTITIES } from './auth.entities.js';
import { AuthGuard } from './auth.guard.js';
import { AuthenticationService } from './authentication.service.js';
import { PasswordHasher } from './crypto/password-hasher.js';
import { JWT_SIGNING_KEY, resolveSigningKey } from './signing-key.js';
import { EmailTokensService } from './email-tokens.service.js';
import { MailEntity } from './entities/mail.entity.js';
import { LoginService } from './login.service.js';
import { MAILER, type Mailer } from './mail/mailer.port.js';
import { StoreMailer } from './mail/store.mailer.js';
import { PasswordResetService } from './password-reset.service.js';
import { RefreshTokensService } from './refresh-tokens.service.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsService } from './tenants.service.js';
import { LoginThrottleService } from './throttle/login-throttle.service.js';
import { SignupLimit } from './throttle/signup-limit.js';
import { UserAccountsService } from './user-accounts.service.js';
import { UserDeletionService } from './user-deletion.service.js';
import { UsersController } from './users.controller.js';

@Module({
  imports: [
    TypeOrmModule.forFeature(AUTH_ENTITIES),
    // The key is passed on each sign/verify (JWT_SIGNING_KEY).
    JwtModule.register({ signOptions: { algorithm: JWT_ALGORITHM }, verifyOptions: { algorithms: [JWT_ALGORITHM] } }),
  ],
  controllers: [AuthController, UsersController, ApiKeysController, TenantsController],
  providers: [
    { provide: PasswordHasher, useValue: new PasswordHasher() },
    { provide: JWT_SIGNING_KEY, inject: [APP_CONFIG], useFactory: resolveSigningKey },
    {
      provide: MAILER,
      inject: [APP_CONFIG, ROOT_LOGGER, getRepositoryToken(MailEntity)],
      useFactory: async (config: AppConfig, logger: AppLogger, mails: Repository<MailEntity>): Promise<Mailer> => {
        const log = logger.child({ module: 'mailer' });
        if (!config.auth.smtpUrl) return new StoreMailer(mails, log);
        // nodemailer (~20 MB of memory once loaded) only when SMTP is configured.
        const { SmtpMailer } = await import('./mail/smtp.mailer.js');
        return new SmtpMailer(config.auth.smtpUrl, config.auth.mailFrom, log);
      },
    },
    CredentialRevocations,
    AccessTokenRefusals,
    AccessTokensService,
    RefreshTokensService,
    EmailTokensService,
    LoginThrottleService,
    SignupLimit,
    UserAccountsService,
    UserDeletionService,
    LoginService,
    PasswordResetService,
    ApiKeysService,
    TenantsService,
    AuthenticationService,
    AdminBootstrapService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthenticationService, UserAccountsService, CredentialRevocations],
})
export class AuthModule {}
