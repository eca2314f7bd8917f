/**
 * The account's blocklist on WhatsApp: block, unblock, list. WhatsApp keeps it (by LID); nothing is
 * stored here, so a block made on the phone shows in the next list.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { parseJid } from '../chats/chat-queries.js';
import { ContactStore } from '../contacts/contact-store.js';
import { onAccount } from '../sessions/account-call.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import { UnresolvableContactError } from '../whatsapp/account-commands.js';
import type { BlocklistDto, BlockStatusDto } from './blocklist.dto.js';

@Injectable()
export class BlocklistService {
  constructor(
    private readonly resolver: SessionResolver,
    private readonly registry: SessionRegistry,
    private readonly contacts: ContactStore,
    private readonly dataSource: DataSource,
  ) {}

  async list(auth: AuthContext, sessionId: string | undefined): Promise<BlocklistDto> {
    const session = await this.resolver.resolve(auth, sessionId);
    const entries = await onAccount(this.registry, session, (wa) => wa.blocklist());
    return {
      data: entries.map(({ lid, pn }) => ({ jid: (pn ?? lid)!, pnJid: pn, lidJid: lid, phone: pn ? pn.split('@')[0]! : null })),
    };
  }

  async setBlocked(auth: AuthContext, sessionId: string | undefined, jidParam: string, blocked: boolean): Promise<BlockStatusDto> {
    const jid = parseJid(jidParam);
    if (!jid.endsWith('@s.whatsapp.net') && !jid.endsWith('@lid')) {
      throw AppError.badRequest('Only a person can be blocked (a phone number, PN or LID jid)', [{ field: 'jid', errors: ['not a user jid'] }]);
    }
    const session = await this.resolver.resolve(auth, sessionId);
    const stored = await this.contacts.find(this.dataSource.manager, session.id, jid);
    let target = stored?.pn_jid ?? jid;
    await onAccount(this.registry, session, async (wa) => {
      if (target.endsWith('@lid')) target = (await wa.pnOf(target)) ?? target;
      try {
        await wa.setBlocked(target, blocked);
      } catch (err) {
        if (err instanceof UnresolvableContactError) throw AppError.unprocessable('WhatsApp knows no such contact (a number not on WhatsApp, or a LID without its number)');
        throw err;
      }
    });
    return { jid: stored?.jid ?? target, blocked };
  }
}
