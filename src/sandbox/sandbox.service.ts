/**
 * Sandbox mode: the WhatsApp Web simulator runs in this process and every Baileys socket connects
 * to it. Its paired devices are kept in DATA_DIR so that sandbox sessions survive a restart.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { WhatsAppSimulator } from '../simulator/simulator.js';
import { HISTORY_LIMITS } from '../simulator/history.js';
import { createSandboxControl, type SandboxControl, type SandboxScanRequest } from '../simulator/sandbox-control.js';
import { WhatsAppSocketFactory } from '../whatsapp/socket-factory.js';
import type { ContactMessageDto } from './sandbox.dto.js';
import { richContent } from './sandbox-kinds.js';
import { SandboxTenancy } from './sandbox-tenancy.service.js';

@Injectable()
export class SandboxService implements OnModuleInit, OnApplicationShutdown {
  private simulatorInstance?: WhatsAppSimulator;
  private control?: SandboxControl;
  private readonly devicesFile: string;
  private readonly logger: AppLogger;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: AppLogger,
    private readonly factory: WhatsAppSocketFactory,
    private readonly sessions: SessionsService,
    readonly tenancy: SandboxTenancy,
  ) {
    this.devicesFile = join(config.dataDir, 'sandbox-devices.json');
    this.logger = logger.child({ module: 'sandbox' });
  }

  /** The in-process simulator (tests and benchmarks drive it directly). */
  get simulator(): WhatsAppSimulator {
    if (!this.simulatorInstance) throw AppError.unavailable('The sandbox simulator is not running');
    return this.simulatorInstance;
  }

  async onModuleInit(): Promise<void> {
    this.simulatorInstance = await WhatsAppSimulator.start({
      port: 0,
      devices: existsSync(this.devicesFile) ? this.devicesFile : undefined,
      logger: this.logger.child({ module: 'simulator' }, { level: 'warn' }),
    });
    this.control = createSandboxControl(this.simulatorInstance);
    this.factory.useServerUrl(this.simulatorInstance.url);
    // Its certificate chain is the simulator's own: trusted here, in sandbox mode only.
    this.factory.useTrustedRoot(this.simulatorInstance.rootPublicKey, 'sandbox');
    this.factory.useMediaTrust(this.simulatorInstance.mediaTrust());
    this.logger.info({ url: this.simulatorInstance.url }, 'sandbox: WhatsApp Web simulator started; every session connects to it');
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.simulatorInstance) return;
    await this.saveDevices();
    await this.simulatorInstance.stop();
  }

  async scan(auth: AuthContext, sessionId: string, phone: Omit<SandboxScanRequest, 'qr'>) {
    if (phone.history && phone.history.chats * phone.history.messagesPerChat > HISTORY_LIMITS.totalMessages) {
      throw AppError.badRequest(`history may hold at most ${HISTORY_LIMITS.totalMessages} messages (chats × messagesPerChat)`);
    }
    const session = await this.sessions.get(auth, sessionId);
    if (!session.qrText) throw AppError.conflict(`The session has no QR code to scan (status: ${session.status})`, { status: session.status });
    const qr = session.qrText;
    const device = await this.tenancy.claim({ ...auth, tenantId: session.tenantId }, phone.phoneNumber, async () => {
      try {
        return await this.ctl().scanQr({ qr, ...phone });
      } catch (err) {
        throw AppError.conflict(`The phone could not scan this QR: ${(err as Error).message}`);
      }
    });
    await this.saveDevices();
    return { phoneNumber: device.phoneNumber, deviceId: device.deviceId, accountType: device.accountType };
  }

  async removeDevice(auth: AuthContext, sessionId: string): Promise<number> {
    const phone = await this.phoneOf(auth, sessionId);
    const { affectedConnections } = await this.ctl().removeDevice(phone);
    await this.saveDevices();
    return affectedConnections;
  }

  async replace(auth: AuthContext, sessionId: string): Promise<number> {
    return (await this.ctl().replaceConnection(await this.phoneOf(auth, sessionId))).affectedConnections;
  }

  /** A contact sends the session whose number is `to` (one of the caller's sessions) one message: see `richContent` for the kinds. */
  async contactSends(auth: AuthContext, from: string, message: ContactMessageDto) {
    const rich = richContent(message);
    await this.assertActs(auth, from, message.to);
    const { media, to, quotedMessageId, pushName, addressing, text } = message;
    return this.run(() =>
      this.ctl().sendAsContact({ from, to, quotedMessageId, pushName, addressing, text: text ?? undefined, ...rich, media: media && { ...media, data: Buffer.from(media.data, 'base64') } }),
    );
  }

  /** 404 unless a session of the caller's tenant has this number (and is connected, unless `anyStatus`). */
  async assertOwnNumber(auth: AuthContext, phone: string, anyStatus = false): Promise<void> {
    await this.tenancy.assertOwnNumber(auth, phone, anyStatus);
  }

  /** The contact `from` may act towards `to`: `to` is a connected session of the caller's tenant, `from` no other tenant's number. */
  async assertActs(auth: AuthContext, from: string, to: string, anyStatus = false): Promise<void> {
    await this.tenancy.assertOwnNumber(auth, to, anyStatus);
    await this.tenancy.assertContact(auth, from);
  }

  /** Runs a simulator action; what the simulator refuses is the caller's conflict, not a server error. */
  async run<T>(action: (control: SandboxControl) => Promise<T> | T): Promise<T> {
    try {
      return await action(this.ctl());
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw AppError.conflict(`The simulator refused: ${(err as Error).message}`);
    }
  }

  private async phoneOf(auth: AuthContext, sessionId: string): Promise<string> {
    const session = await this.sessions.get(auth, sessionId);
    if (!session.phone) throw AppError.conflict(`The session has no linked phone yet (status: ${session.status})`);
    return session.phone;
  }

  /** The simulator's control surface (shared with the other sandbox services). */
  ctl(): SandboxControl {
    if (!this.control) throw AppError.unavailable('The sandbox simulator is not running');
    return this.control;
  }

  async saveDevices(): Promise<void> {
    await this.simulatorInstance?.saveDevicesToFile(this.devicesFile).catch((err: unknown) => this.logger.warn({ err }, 'could not save sandbox devices'));
  }
}
