import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { AppLogger } from '../../common/logger.js';
import type { MailEntity } from '../entities/mail.entity.js';
import type { Mailer, OutgoingMail } from './mailer.port.js';

/** Keeps mails in the `mails` table and logs that it did, without the body (it holds the token). */
export class StoreMailer implements Mailer {
  constructor(
    private readonly mails: Repository<MailEntity>,
    private readonly logger: AppLogger,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    const id = randomUUID();
    await this.mails.insert({ id, recipient: mail.to, subject: mail.subject, bodyText: mail.text, purpose: mail.purpose, createdAt: new Date() });
    this.logger.info({ mailId: id, purpose: mail.purpose, to: mail.to }, 'mail stored in the mails table (SMTP_URL is unset)');
  }
}
