/**
 * Sandbox: what the account's own phone does besides scanning a QR: entering the pairing code a
 * session shows, app-state changes (push name, contact names, mute, archive, pin) pushed live, and
 * blocking a contact.
 */
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { PairingCodeError } from '../simulator/pairing-code.js';
import type { PhoneAppStateUpdate } from '../simulator/app-state-service.js';
import type { PhoneAppStateDto, PhoneBlockDto } from './sandbox-phone.dto.js';
import { SandboxService } from './sandbox.service.js';

const pnJid = (phone: string): string => `${phone}@s.whatsapp.net`;

@Injectable()
export class SandboxPhoneService {
  constructor(
    private readonly sandbox: SandboxService,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * The phone enters `code` for the session. The simulator finds the session's companion by the
   * Noise key its current QR carries (the QR keeps rotating while a pairing code is shown), so a
   * code only ever reaches the caller's own session.
   */
  async enterPairingCode(auth: AuthContext, sessionId: string, code: string) {
    const session = await this.sessions.get(auth, sessionId);
    const phoneNumber = session.qrText ? this.sandbox.ctl().pairingCodeRequestOf(session.qrText) : undefined;
    if (!phoneNumber) throw AppError.conflict(`The session is not waiting for a pairing code (status: ${session.status})`, { status: session.status });
    const device = await this.sandbox.tenancy.claim({ ...auth, tenantId: session.tenantId }, phoneNumber, async () => {
      try {
        return await this.sandbox.ctl().enterPairingCode({ phoneNumber, code });
      } catch (err) {
        if (err instanceof PairingCodeError && /incorrect/.test(err.message)) throw AppError.badRequest('The pairing code is incorrect', [{ field: 'code', errors: ['incorrect pairing code'] }]);
        throw AppError.conflict(`The phone could not enter this code: ${(err as Error).message}`);
      }
    });
    await this.sandbox.saveDevices();
    return { phoneNumber: device.phoneNumber, deviceId: device.deviceId, accountType: device.accountType };
  }

  /** App-state changes on the phone of one of the caller's sessions. */
  async setAppState(auth: AuthContext, phoneNumber: string, body: PhoneAppStateDto): Promise<Record<string, number>> {
    const update = this.toUpdate(body);
    if (Object.values(update).every((v) => v === undefined || (Array.isArray(v) && v.length === 0))) {
      throw AppError.badRequest('Nothing to change: give pushName, contactNames, mute, archive, pin, markRead or deleteChat');
    }
    await this.sandbox.assertOwnNumber(auth, phoneNumber, true);
    let versions: Record<string, number>;
    try {
      versions = await this.sandbox.ctl().setAppState(phoneNumber, update);
    } catch (err) {
      throw AppError.conflict(`The phone could not apply this change: ${(err as Error).message}`);
    }
    await this.sandbox.saveDevices();
    return versions;
  }

  /** The phone of one of the caller's sessions blocks or unblocks a contact; every device of the account is told. */
  async block(auth: AuthContext, phoneNumber: string, body: PhoneBlockDto): Promise<string[]> {
    await this.sandbox.assertActs(auth, body.contact, phoneNumber, true);
    if (this.sandbox.ctl().devices(body.contact).length > 0) throw AppError.conflict('That number is a sandbox account (a session), not a contact');
    return this.sandbox.run((c) => c.phoneBlock(phoneNumber, body.contact, body.blocked));
  }

  private toUpdate(b: PhoneAppStateDto): PhoneAppStateUpdate {
    const ctl = this.sandbox.ctl();
    return {
      pushName: b.pushName,
      contactNames: b.contactNames?.map((c) => ({ jid: pnJid(c.phoneNumber), name: c.name, lidJid: ctl.contactLidJid(c.phoneNumber) })),
      mute: b.mute?.map((m) => ({ jid: pnJid(m.phoneNumber), muted: m.muted, until: m.until })),
      archive: b.archive?.map((a) => ({ jid: pnJid(a.phoneNumber), archived: a.archived })),
      pin: b.pin?.map((p) => ({ jid: pnJid(p.phoneNumber), pinned: p.pinned })),
      markRead: b.markRead?.map((r) => ({ jid: pnJid(r.phoneNumber), read: r.read })),
      deleteChat: b.deleteChat?.map((d) => ({ jid: pnJid(d.phoneNumber) })),
    };
  }
}
