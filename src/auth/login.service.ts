/** Login, refresh-token rotation and logout. Produces `{ accessToken, expiresIn, user }`. */
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AccessTokenRefusals } from './access-token-refusals.js';
import { AccessTokensService } from './access-tokens.service.js';
import { PasswordHasher } from './crypto/password-hasher.js';
import type { LoginDto, LoginResponseDto } from './dto/auth.dto.js';
import { mapUser } from './dto/user.dto.js';
import { UserEntity } from './entities/user.entity.js';
import { CredentialRevocations } from './credential-revocations.js';
import { RefreshTokensService } from './refresh-tokens.service.js';
import { LoginThrottleService } from './throttle/login-throttle.service.js';
import { UserAccountsService } from './user-accounts.service.js';

export interface SessionTokens {
  body: LoginResponseDto;
  refreshToken: string;
  refreshExpiresAt: Date;
}

@Injectable()
export class LoginService {
  private readonly logger: AppLogger;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly accounts: UserAccountsService,
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly throttle: LoginThrottleService,
    private readonly hasher: PasswordHasher,
    private readonly revocations: CredentialRevocations,
    private readonly refusals: AccessTokenRefusals,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'auth' });
  }

  async login(input: LoginDto, ip: string): Promise<SessionTokens> {
    const release = await this.throttle.admit(input.email, ip);
    let user: UserEntity | null;
    try {
      user = await this.accounts.findByEmail(input.email);
      // An unknown address costs the same hash computation as a known one (no timing oracle).
      const valid = user ? await this.hasher.verify(input.password, user.passwordHash) : await this.hasher.verifyAgainstDummy(input.password);
      if (!user || !valid) {
        await this.throttle.recordFailure(input.email, ip);
        this.logger.info({ ip, known: Boolean(user) }, 'login failed');
        throw AppError.unauthorized('Invalid e-mail or password');
      }
    } finally {
      release();
    }
    await this.throttle.clearAccount(input.email, ip);
    if (this.config.auth.requireVerifiedEmail && !user.emailVerifiedAt) {
      throw new AppError(HttpStatus.FORBIDDEN, 'EMAIL_NOT_VERIFIED', 'Verify your e-mail address before logging in');
    }
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.users.update({ id: user.id }, { passwordHash: await this.hasher.hash(input.password) });
    }
    this.logger.info({ userId: user.id, tenantId: user.tenantId }, 'login');
    return this.startSession(user);
  }

  async refresh(refreshToken: string | undefined): Promise<SessionTokens> {
    if (!refreshToken) throw AppError.unauthorized('Refresh token required (cookie or body)');
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const user = await this.accounts.findById(rotated.userId);
    if (!user) throw AppError.unauthorized('Invalid refresh token');
    const access = await this.accessTokens.issue(user);
    return { body: { ...access, user: mapUser(user) }, refreshToken: rotated.refreshToken, refreshExpiresAt: rotated.expiresAt };
  }

  async logout(refreshToken: string | undefined): Promise<void> {
    if (refreshToken) await this.refreshTokens.revokeFamilyOf(refreshToken);
  }

  async logoutAll(auth: AuthContext): Promise<void> {
    // The refusal of its access tokens is stored with the refresh tokens' revocation: both or neither.
    const at = await this.users.manager.transaction(async (manager) => {
      await this.refreshTokens.revokeAllForUser(auth.userId, manager);
      return this.refusals.record(manager, auth.userId);
    });
    this.revocations.publish({ kind: 'user-tokens', userId: auth.userId, at });
    this.logger.info({ userId: auth.userId }, 'logged out everywhere');
  }

  private async startSession(user: UserEntity): Promise<SessionTokens> {
    const [access, refresh] = await Promise.all([this.accessTokens.issue(user), this.refreshTokens.issue(user.id)]);
    return { body: { ...access, user: mapUser(user) }, refreshToken: refresh.refreshToken, refreshExpiresAt: refresh.expiresAt };
  }
}
