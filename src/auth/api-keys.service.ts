/**
 * Service API keys (`x-api-key`), created by admins. Keys look like `wao_<uuid>.<secret>`: the
 * uuid finds the row, the secret is compared against a stored digest in constant time.
 */
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { CredentialRevocations } from './credential-revocations.js';
import { issueSecret, parseSecret, secretMatches } from './crypto/secret-token.js';
import { mapApiKey, type ApiKeyDto, type CreatedApiKeyDto } from './dto/api-key.dto.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

export const API_KEY_PREFIX = 'wao_';
/** `last_used_at` is refreshed at most this often per key (not a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly revocations: CredentialRevocations,
  ) {}

  async create(auth: AuthContext, name: string): Promise<CreatedApiKeyDto> {
    const secret = issueSecret(API_KEY_PREFIX);
    const row: ApiKeyEntity = {
      id: secret.id, name, prefix: `${API_KEY_PREFIX}${secret.id.slice(0, 8)}`, keyHash: secret.hash,
      createdBy: auth.userId, createdAt: new Date(), revokedAt: null, lastUsedAt: null,
    };
    await this.keys.insert(row);
    return { ...mapApiKey(row), key: secret.token };
  }

  async list(): Promise<ApiKeyDto[]> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return rows.map(mapApiKey);
  }

  async revoke(id: string): Promise<void> {
    const row = await this.keys.findOneBy({ id });
    if (!row) throw AppError.notFound('API key not found');
    if (!row.revokedAt) await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    // Also when it was revoked already: a connection a missed relay (cluster) left open goes now.
    this.revocations.publish({ kind: 'api-key', apiKeyId: id });
  }

  /** The key's row when `presented` is a valid, unrevoked key; 401 otherwise. */
  async verify(presented: string): Promise<ApiKeyEntity> {
    const parsed = parseSecret(presented, API_KEY_PREFIX);
    const row = parsed ? await this.keys.findOneBy({ id: parsed.id }) : null;
    if (!parsed || !row || !secretMatches(parsed.secret, row.keyHash)) throw AppError.unauthorized('Invalid API key');
    if (row.revokedAt) throw AppError.unauthorized('API key revoked');
    const now = new Date();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: row.id }, { lastUsedAt: now });
    }
    return row;
  }
}
