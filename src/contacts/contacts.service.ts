/** The tenant's contacts of one session, paged by jid (keyset, opaque cursor). */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthContext } from '../common/auth-context.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import { ContactStore } from './contact-store.js';
import type { ContactPageDto } from './contacts.dto.js';

@Injectable()
export class ContactsService {
  constructor(
    private readonly sessions: SessionResolver,
    private readonly contacts: ContactStore,
    private readonly dataSource: DataSource,
  ) {}

  async list(auth: AuthContext, q: { sessionId?: string; limit?: number; cursor?: string }): Promise<ContactPageDto> {
    const session = await this.sessions.resolve(auth, q.sessionId);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['s']);
    const rows = await this.contacts.list(this.dataSource.manager, session.id, (after?.[0] as string) ?? null, limit + 1);
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => ({
        jid: r.jid, pnJid: r.pn_jid, lidJid: r.lid_jid, phone: r.pn_jid ? r.pn_jid.split('@')[0]! : null, name: r.name, notify: r.notify, imgUrl: r.img_url,
      })),
      nextCursor: rows.length > limit && page.length > 0 ? encodeCursor([page.at(-1)!.jid]) : null,
    };
  }
}
