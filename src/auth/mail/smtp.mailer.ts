import { createTransport, type Transporter } from 'nodemailer';
import type { AppLogger } from '../../common/logger.js';
import type { Mailer, OutgoingMail } from './mailer.port.js';

/**
 * Sends through SMTP in the background: the caller does not wait for the server, so neither
 * request latency nor availability depends on it (and timing reveals nothing about whether a
 * mail was sent). Failures are logged; shutdown waits for mails still in flight.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(smtpUrl: string, private readonly from: string, private readonly logger: AppLogger) {
    this.transport = createTransport(smtpUrl);
  }

  async send(mail: OutgoingMail): Promise<void> {
    const delivery = this.transport
      .sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text })
      .then(
        () => this.logger.info({ purpose: mail.purpose, to: mail.to }, 'mail sent'),
        (err: unknown) => this.logger.error({ purpose: mail.purpose, to: mail.to, err: err instanceof Error ? err.message : String(err) }, 'mail delivery failed'),
      )
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Nest calls this on shutdown (the provider instance is this object). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.transport.close();
  }
}
