/** The mailer port: SMTP when SMTP_URL is set, otherwise the database outbox (`mails` table). */
export const MAILER = Symbol('MAILER');

export type MailPurpose = 'verify_email' | 'password_reset' | 'account_exists';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  purpose: MailPurpose;
}

export interface Mailer {
  /**
   * Accepts a mail for delivery. Resolves once it is accepted (stored, or handed to the SMTP
   * queue), not when it is delivered: request latency must not depend on the mail server.
   */
  send(mail: OutgoingMail): Promise<void>;
}
