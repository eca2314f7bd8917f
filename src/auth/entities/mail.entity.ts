import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The outbox of the "store" mailer (SMTP_URL unset): local users and tests read mails here. */
@Entity({ name: 'mails' })
export class MailEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 254 }) recipient: string;
  @Column({ type: 'varchar', length: 200 }) subject: string;
  @Column({ name: 'body_text', type: 'text' }) bodyText: string;
  @Column({ type: 'varchar', length: 32 }) purpose: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
