/** Sandbox: declared contacts (on WhatsApp, with profile), a contact's poll votes and its calls to a session. */
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import type { CallDto, CallViewDto, DeclareContactDto, VoteDto } from './sandbox-kinds.dto.js';
import { absent } from './sandbox-kinds.js';
import { SandboxService } from './sandbox.service.js';

@Injectable()
export class SandboxContactKindsService {
  constructor(private readonly sandbox: SandboxService) {}

  /** A contact that exists on WhatsApp (number checks say so), with its push name, about and picture. */
  async declare(auth: AuthContext, body: DeclareContactDto): Promise<{ phone: string; jid: string; lid: string; registered: true }> {
    await this.sandbox.tenancy.assertContact(auth, body.phone);
    if (this.sandbox.ctl().devices(body.phone).length > 0) throw AppError.conflict('That number is a sandbox account (a session), not a contact');
    const picture = absent(body.picture) ? undefined : Buffer.from(body.picture, 'base64');
    const { jid, lidJid } = await this.sandbox.run((c) => c.declareContact({ phone: body.phone, pushName: body.name ?? undefined, about: body.about ?? undefined, picture }));
    return { phone: body.phone, jid, lid: lidJid, registered: true };
  }

  async vote(auth: AuthContext, from: string, body: VoteDto): Promise<{ messageId: string }> {
    await this.sandbox.assertActs(auth, from, body.to);
    return this.sandbox.run((c) => c.vote({ from, ...body }));
  }

  async call(auth: AuthContext, from: string, body: CallDto): Promise<{ callId: string }> {
    await this.sandbox.assertActs(auth, from, body.to);
    return this.sandbox.run((c) => c.offerCall({ from, to: body.to, video: body.isVideo ?? undefined, ringMs: absent(body.ringSeconds) ? undefined : body.ringSeconds * 1000 }));
  }

  /** The contact's calls to the caller's sessions, as the caller saw them. */
  async calls(auth: AuthContext, from: string): Promise<CallViewDto[]> {
    await this.sandbox.tenancy.assertContact(auth, from);
    const own = await this.sandbox.tenancy.tenantPhones(auth);
    return this.sandbox.ctl().callsOf(from).filter((c) => own.has(c.to)).map((c) => ({
      callId: c.callId,
      to: c.to,
      isVideo: c.isVideo,
      status: c.status,
      offeredAt: new Date(c.offeredAt).toISOString(),
      endedAt: c.endedAt === undefined ? undefined : new Date(c.endedAt).toISOString(),
    }));
  }
}
