/** Sandbox: a simulated contact reacts, edits, revokes, sends receipts and presence, fails a decryption; and its inbox. */
import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../common/auth-context.js';
import type { ContactInbox } from '../simulator/inbox.js';
import { SandboxService } from './sandbox.service.js';
import type { EditDto, FailNextDecryptDto, ContactPresenceDto, ReactionDto, ReceiptsDto, RevokeDto } from './sandbox-contacts.dto.js';

@Injectable()
export class SandboxContactsService {
  constructor(private readonly sandbox: SandboxService) {}

  async react(auth: AuthContext, from: string, body: ReactionDto): Promise<{ messageId: string }> {
    await this.sandbox.assertActs(auth, from, body.to);
    return this.sandbox.run((c) => c.react({ from, ...body }));
  }

  async edit(auth: AuthContext, from: string, body: EditDto): Promise<{ messageId: string }> {
    await this.sandbox.assertActs(auth, from, body.to);
    return this.sandbox.run((c) => c.edit({ from, ...body }));
  }

  async revoke(auth: AuthContext, from: string, body: RevokeDto): Promise<{ messageId: string }> {
    await this.sandbox.assertActs(auth, from, body.to);
    return this.sandbox.run((c) => c.revoke({ from, ...body }));
  }

  async receipts(auth: AuthContext, from: string, body: ReceiptsDto): Promise<{ affectedConnections: number }> {
    await this.sandbox.assertActs(auth, from, body.to);
    return this.sandbox.run((c) => c.sendReceipts({ from, ...body }));
  }

  async presence(auth: AuthContext, from: string, body: ContactPresenceDto): Promise<void> {
    await this.sandbox.assertActs(auth, from, body.to);
    await this.sandbox.run((c) => c.sendPresence({ from, ...body }));
  }

  async failNextDecrypt(auth: AuthContext, from: string, body: FailNextDecryptDto): Promise<void> {
    await this.sandbox.assertActs(auth, from, body.to);
    await this.sandbox.run((c) => c.failNextDecrypt({ from, to: body.to }));
  }

  /** What the contact received from the caller's session `sessionPhone`; media bytes are left out (sha256 and size stay). */
  async inbox(auth: AuthContext, contact: string, sessionPhone: string): Promise<ContactInbox> {
    await this.sandbox.assertActs(auth, contact, sessionPhone, true);
    const inbox = await this.sandbox.run((c) => c.inbox(contact, sessionPhone));
    return { ...inbox, messages: inbox.messages.map((m) => (m.media ? { ...m, media: { ...m.media, bytes: undefined } } : m)) };
  }
}
