/** Sign-up (a tenant and its first user), e-mail verification, the caller's profile, user lists. */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type DataSource, type Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { PasswordHasher } from './crypto/password-hasher.js';
import { mapUser, type ListUsersQueryDto, type SignUpDto, type UserDto, type UserListDto } from './dto/user.dto.js';
import { EmailTokensService } from './email-tokens.service.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { accountExistsMail, verificationMail } from './mail/auth-mails.js';
import { MAILER, type Mailer } from './mail/mailer.port.js';
import { tenantScope } from './tenant-scope.js';

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '23505';
}

@Injectable()
export class UserAccountsService {
  private readonly logger: AppLogger;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly emailTokens: EmailTokensService,
    private readonly hasher: PasswordHasher,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
  ) {
    this.logger = logger.child({ module: 'auth' });
  }

  /**
   * A taken address is answered exactly like a new one (201 with a user that was never stored): the
   * answer does not tell who has an account. The owner gets a mail saying someone tried.
   */
  async signUp(input: SignUpDto): Promise<UserDto> {
    const existing = await this.findByEmail(input.email);
    const passwordHash = await this.hasher.hash(input.password);
    const now = new Date();
    if (existing) return this.answerTaken(existing, input, now);
    const tenant: TenantEntity = { id: randomUUID(), name: input.name, createdAt: now, updatedAt: now };
    const user: UserEntity = {
      id: randomUUID(), tenantId: tenant.id, email: input.email, name: input.name, role: 'user',
      passwordHash, emailVerifiedAt: null, createdAt: now, updatedAt: now,
    };
    let token: string;
    try {
      token = await this.dataSource.transaction(async (manager) => {
        await manager.insert(TenantEntity, tenant);
        await manager.insert(UserEntity, user);
        return this.emailTokens.issue(user.id, 'verify_email', manager);
      });
    } catch (err) {
      // Two sign-ups racing for one address: the unique index on lower(email) decides.
      const winner = isUniqueViolation(err) ? await this.findByEmail(input.email) : null;
      if (winner) return this.answerTaken(winner, input, now);
      throw err;
    }
    this.logger.info({ userId: user.id, tenantId: tenant.id }, 'user signed up');
    await this.mailer.send(verificationMail(user, token, this.publicBaseUrl(), this.emailTokens.ttlSeconds));
    return mapUser(user);
  }

  async verifyEmail(userId: string, token: string): Promise<UserDto> {
    const verified = await this.dataSource.transaction(async (manager) => {
      const owner = await this.emailTokens.consume(manager, token, 'verify_email', userId);
      if (!owner) return null;
      const user = await manager.findOneByOrFail(UserEntity, { id: owner });
      if (!user.emailVerifiedAt) {
        user.emailVerifiedAt = new Date();
        user.updatedAt = user.emailVerifiedAt;
        await manager.update(UserEntity, { id: user.id }, { emailVerifiedAt: user.emailVerifiedAt, updatedAt: user.updatedAt });
      }
      return user;
    });
    if (!verified) throw AppError.badRequest('Invalid, used or expired verification token');
    return mapUser(verified);
  }

  /** Always succeeds from the caller's point of view (no account enumeration). */
  async resendVerification(email: string): Promise<void> {
    const user = await this.findByEmail(email);
    if (!user || user.emailVerifiedAt) return;
    const token = await this.emailTokens.issue(user.id, 'verify_email');
    await this.mailer.send(verificationMail(user, token, this.publicBaseUrl(), this.emailTokens.ttlSeconds));
  }

  async me(auth: AuthContext): Promise<UserDto> {
    const user = await this.users.findOneBy({ id: auth.userId, tenantId: auth.tenantId });
    if (!user) throw AppError.unauthorized('The authenticated user no longer exists');
    return mapUser(user);
  }

  async list(auth: AuthContext, query: ListUsersQueryDto): Promise<UserListDto> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [rows, total] = await this.users.findAndCount({
      where: tenantScope(auth, query.tenantId),
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items: rows.map(mapUser), total, limit, offset };
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: email.trim() }).getOne();
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** What a new sign-up answers, for an address that has an account; nothing is stored but the owner's mail. */
  private async answerTaken(owner: UserEntity, input: SignUpDto, now: Date): Promise<UserDto> {
    this.logger.info({ userId: owner.id }, 'sign-up with a registered address: answered as new, owner told');
    await this.mailer.send(accountExistsMail(owner, this.publicBaseUrl()));
    return { id: randomUUID(), tenantId: randomUUID(), email: input.email, name: input.name, role: 'user', emailVerified: false, createdAt: now.toISOString() };
  }

  private publicBaseUrl(): string {
    return this.config.http.publicBaseUrl ?? `http://localhost:${this.config.http.port}`;
  }
}
