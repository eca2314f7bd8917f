/**
 * Who may play which number in the sandbox. A phone number belongs to the tenant whose session
 * first scanned it (or entered a pairing code for it); another tenant's scan of it is a 409
 * PHONE_IN_USE, and so is using it as a contact. Contacts act only towards sessions of the caller's
 * own tenant (admins included: the sandbox has no cross-tenant view). Ownership is kept in
 * DATA_DIR beside the simulator's devices, and sessions stored before it existed count as claims.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpStatus, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { SessionStore } from '../sessions/session-store.js';

export function phoneInUse(): AppError {
  return new AppError(HttpStatus.CONFLICT, 'PHONE_IN_USE', 'This phone number belongs to another tenant of the sandbox');
}

@Injectable()
export class SandboxTenancy implements OnModuleInit {
  private readonly owners = new Map<string, string>();
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();
  private readonly claiming = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: SessionStore,
  ) {
    this.file = join(config.dataDir, 'sandbox-owners.json');
  }

  async onModuleInit(): Promise<void> {
    if (!existsSync(this.file)) return;
    const saved = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string>;
    for (const [phone, tenantId] of Object.entries(saved)) this.owners.set(phone, tenantId);
  }

  /** The tenant that owns `phone`: its first scan, else the oldest stored session with that number. */
  async ownerOf(phone: string): Promise<string | undefined> {
    return this.owners.get(phone) ?? (await this.store.tenantOfPhone(phone));
  }

  /**
   * A session of the caller's tenant links `phone` with `link` (a scan, a pairing code): 409
   * PHONE_IN_USE when another tenant owns the number; once linked, the number is the tenant's.
   */
  claim<T>(auth: AuthContext, phone: string, link: () => Promise<T>): Promise<T> {
    // One claim of a number at a time: two tenants scanning a new number together cannot both win.
    const previous = this.claiming.get(phone) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const owner = await this.ownerOf(phone);
      if (owner !== undefined && owner !== auth.tenantId) throw phoneInUse();
      const linked = await link();
      if (!this.owners.has(phone)) {
        this.owners.set(phone, auth.tenantId);
        await this.save();
      }
      return linked;
    });
    this.claiming.set(phone, next);
    void next.finally(() => {
      if (this.claiming.get(phone) === next) this.claiming.delete(phone);
    }).catch(() => undefined);
    return next;
  }

  /** A contact number the caller plays: never another tenant's account. */
  async assertContact(auth: AuthContext, phone: string): Promise<void> {
    const owner = await this.ownerOf(phone);
    if (owner !== undefined && owner !== auth.tenantId) throw phoneInUse();
  }

  /** 404 unless a session of the caller's tenant has this number (and is connected, unless `anyStatus`). */
  async assertOwnNumber(auth: AuthContext, phone: string, anyStatus = false): Promise<void> {
    const own = (await this.store.phonesOfTenant(auth.tenantId, !anyStatus)).has(phone);
    if (!own) throw AppError.notFound(anyStatus ? 'No session of yours has that number' : 'No connected session of yours has that number');
  }

  /** The numbers of the caller's tenant's sessions. */
  async tenantPhones(auth: AuthContext): Promise<Set<string>> {
    return this.store.phonesOfTenant(auth.tenantId, false);
  }

  private save(): Promise<void> {
    const text = JSON.stringify(Object.fromEntries(this.owners));
    this.writing = this.writing.catch(() => undefined).then(() => writeFile(this.file, text, { mode: 0o600 }));
    return this.writing;
  }
}
