/**
 * Number checks, contacts' profiles and the account's own profile, asked of the session's live
 * socket (409 when it is not connected, 504 when WhatsApp does not answer in time).
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error.js';
import type { AuthContext } from '../common/auth-context.js';
import { parseJid } from '../chats/chat-queries.js';
import { ContactStore } from '../contacts/contact-store.js';
import { MediaSendService } from '../media/media-send.service.js';
import { onAccount } from '../sessions/account-call.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { SessionResolver } from '../sessions/session-resolver.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import type { AccountCommands } from '../whatsapp/account-commands.js';
import { TimeoutError } from '../whatsapp/timeout.js';
import { NumberChecks } from './number-checks.js';
import type { ContactProfileDto, NumberChecksDto, OwnProfileDto, UpdateOwnProfileDto } from './profiles.dto.js';

/** The largest picture read into memory for WhatsApp (it is scaled to 640×640 anyway). */
const MAX_PICTURE_BYTES = 10 * 1024 * 1024;

@Injectable()
export class ProfilesService {
  constructor(
    private readonly resolver: SessionResolver,
    private readonly sessions: SessionsService,
    private readonly registry: SessionRegistry,
    private readonly contacts: ContactStore,
    private readonly checks: NumberChecks,
    private readonly media: MediaSendService,
    private readonly dataSource: DataSource,
  ) {}

  async check(auth: AuthContext, sessionId: string | undefined, phones: string[]): Promise<NumberChecksDto> {
    const session = await this.resolver.resolve(auth, sessionId);
    const digits = [...new Set(phones.map((p) => p.replace('+', '')))];
    const answers = await onAccount(this.registry, session, (wa) => this.checks.check(session.id, digits, (missing) => wa.checkNumbers(missing)));
    const byPhone = new Map(answers.map((a) => [a.phone, a]));
    return { data: phones.map((p) => byPhone.get(p.replace('+', ''))!) };
  }

  async contactProfile(auth: AuthContext, sessionId: string | undefined, jidParam: string): Promise<ContactProfileDto> {
    const jid = parseJid(jidParam);
    const session = await this.resolver.resolve(auth, sessionId);
    const stored = await this.contacts.find(this.dataSource.manager, session.id, jid);
    const pn = stored?.pn_jid ?? (jid.endsWith('@s.whatsapp.net') ? jid : null);
    const target = pn ?? stored?.lid_jid ?? jid;
    const profile = await onAccount(this.registry, session, (wa) => wa.profile(target));
    return {
      jid: stored?.jid ?? target, phone: pn ? pn.split('@')[0]! : null, name: stored?.name ?? null, notify: stored?.notify ?? null,
      about: profile.about, pictureUrl: profile.pictureUrl, isBusiness: profile.isBusiness,
    };
  }

  async own(auth: AuthContext, id: string): Promise<OwnProfileDto> {
    const session = await this.sessions.get(auth, id);
    return onAccount(this.registry, session, async (wa, live) => {
      const me = ownJidOf(live.ownPhone);
      const [about, pictureUrl] = await Promise.all([wa.about(me), wa.pictureUrl(me)]);
      return { name: live.row?.deviceName ?? session.deviceName ?? null, about, pictureUrl };
    });
  }

  async update(auth: AuthContext, id: string, body: UpdateOwnProfileDto): Promise<OwnProfileDto> {
    if (body.name === undefined && body.about === undefined) {
      throw AppError.badRequest('Give name, about or both', [{ field: 'name', errors: ['name or about is required'] }]);
    }
    const session = await this.sessions.get(auth, id);
    await onAccount(this.registry, session, async (wa) => {
      if (body.name !== undefined) await wa.setName(body.name);
      if (body.about !== undefined) await wa.setAbout(body.about);
    });
    const current = await this.own(auth, id);
    return body.name !== undefined ? { ...current, name: body.name } : current;
  }

  /** The account's picture from an uploaded image (POST /media). */
  async setPicture(auth: AuthContext, id: string, mediaId: string): Promise<OwnProfileDto> {
    const session = await this.sessions.get(auth, id);
    const { media, body } = await this.media.open(auth, mediaId);
    if (media.kind !== 'image') {
      body.destroy();
      throw AppError.badRequest(`A profile picture must be an image, not a ${media.kind}`, [{ field: 'mediaId', errors: ['not an image'] }]);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > MAX_PICTURE_BYTES) {
        body.destroy();
        throw AppError.badRequest('The image is too large for a profile picture (10 MB at most)', [{ field: 'mediaId', errors: ['too large'] }]);
      }
      chunks.push(chunk as Buffer);
    }
    await this.onOwn(session, (wa, me) => wa.setOwnPicture(me, Buffer.concat(chunks)), 'The image could not be used as a profile picture');
    return this.own(auth, id);
  }

  async removePicture(auth: AuthContext, id: string): Promise<void> {
    const session = await this.sessions.get(auth, id);
    await this.onOwn(session, (wa, me) => wa.removeOwnPicture(me));
  }

  private async onOwn(session: SessionEntity, fn: (wa: AccountCommands, me: string) => Promise<void>, badImage?: string): Promise<void> {
    await onAccount(this.registry, session, async (wa, live) => {
      try {
        await fn(wa, ownJidOf(live.ownPhone));
      } catch (err) {
        // Baileys' image processing (sharp) refuses what is not a decodable image.
        if (badImage && !isWhatsAppError(err)) throw AppError.unprocessable(badImage);
        throw err;
      }
    });
  }
}

function ownJidOf(phone: string | null): string {
  if (!phone) throw AppError.conflict('The session has no account yet');
  return `${phone}@s.whatsapp.net`;
}

/** Errors from WhatsApp's answers (Boom, a timeout) rather than from local processing. */
function isWhatsAppError(err: unknown): boolean {
  return err instanceof TimeoutError || Boolean((err as { isBoom?: boolean } | undefined)?.isBoom);
}
