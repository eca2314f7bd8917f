import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The outbox of the "store" mailer (SMTP_URL unset): local users and tests read mails here. */
@Entity({ name: 'mails' })
/** On (lower(recipient), created_at): an expression index TypeORM cannot model; the migration owns it. */
@Index('mails_recipient_created_at_idx', { synchronize: false })
@Index('mails_created_at_idx', ['createdAt'])
export class MailEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'mails_pkey' }) id: string;
  @Column({ type: 'varchar', length: 254 }) recipient: string;
  @Column({ type: 'varchar', length: 200 }) subject: string;
  @Column({ name: 'body_text', type: 'text' }) bodyText: string;
  @Column({ type: 'varchar', length: 32 }) purpose: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
