import { AccessTokenRefusalEntity } from './entities/access-token-refusal.entity.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { EmailTokenEntity } from './entities/email-token.entity.js';
import { LoginFailureEntity } from './entities/login-failure.entity.js';
import { MailEntity } from './entities/mail.entity.js';
import { RefreshTokenEntity } from './entities/refresh-token.entity.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserEntity } from './entities/user.entity.js';

/** The auth module's tables (TypeOrmModule.forFeature and the migration CLI's ALL_ENTITIES). */
export const AUTH_ENTITIES = [
  TenantEntity, UserEntity, RefreshTokenEntity, EmailTokenEntity, MailEntity, ApiKeyEntity, LoginFailureEntity, AccessTokenRefusalEntity,
];
