/** The tables owned by the chats module: chats and their aliases, messages, reactions, history syncs. */
import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { SessionEntity } from '../sessions/session.entity.js';
import { pgJsonTransformer, pgTextTransformer } from '../common/postgres-text.js';

/** One conversation; `jid` is canonical (the PN jid when known, else the LID or group jid). */
@Entity({ name: 'wa_chats' })
@Unique('wa_chats_session_jid_key', ['sessionId', 'jid'])
@Index('wa_chats_activity_idx', ['sessionId', 'lastMessageAt', 'id'])
export class ChatEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'wa_chats_pkey' }) id: string;
  @Column('uuid', { name: 'session_id' }) sessionId: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') jid: string;
  @Column('text', { name: 'pn_jid', nullable: true }) pnJid: string | null;
  @Column('text', { name: 'lid_jid', nullable: true }) lidJid: string | null;
  @Column('text', { nullable: true, transformer: pgTextTransformer }) name: string | null;
  @Column('integer', { name: 'unread_count', default: 0 }) unreadCount: number;
  @Column('bigint', { name: 'last_message_id', nullable: true }) lastMessageId: string | null;
  /** Unix seconds of the newest message; 0 when none yet (keeps the activity index usable). */
  @Column('bigint', { name: 'last_message_at', default: 0 }) lastMessageAt: string;
  @Column('boolean', { default: false }) archived: boolean;
  @Column('boolean', { default: false }) pinned: boolean;
  @Column('bigint', { name: 'muted_until', nullable: true }) mutedUntil: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

/** Every address (PN, LID, group jid) a chat is known by. */
@Entity({ name: 'wa_chat_aliases' })
@Index('wa_chat_aliases_chat_idx', ['chatId'])
export class ChatAliasEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_chat_aliases_pkey' }) sessionId: string;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'wa_chat_aliases_pkey' }) jid: string;
  @Column('bigint', { name: 'chat_id' }) chatId: string;
}

@Entity({ name: 'wa_messages' })
@Unique('wa_messages_session_chat_wa_id_key', ['sessionId', 'chatId', 'waId'])
@Index('wa_messages_chat_ts_idx', ['chatId', 'timestamp', 'id'])
@Index('wa_messages_session_wa_id_idx', ['sessionId', 'waId'])
@Check('wa_messages_source_check', "source IN ('live','history')")
export class MessageEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'wa_messages_pkey' }) id: string;
  @Column('uuid', { name: 'session_id' }) sessionId: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('bigint', { name: 'chat_id' }) chatId: string;
  @Column('text', { name: 'wa_id' }) waId: string;
  @Column('text', { name: 'remote_jid' }) remoteJid: string;
  @Column('boolean', { name: 'from_me' }) fromMe: boolean;
  @Column('text', { name: 'sender_jid', nullable: true }) senderJid: string | null;
  @Column('text', { name: 'sender_phone', nullable: true }) senderPhone: string | null;
  @Column('text', { name: 'push_name', nullable: true, transformer: pgTextTransformer }) pushName: string | null;
  @Column('bigint', { name: 'ts' }) timestamp: string;
  @Column('text') type: string;
  @Column('text') kind: string;
  @Column('text', { nullable: true, transformer: pgTextTransformer }) text: string | null;
  @Column('text', { nullable: true }) status: string | null;
  @Column('bigint', { name: 'status_at', nullable: true }) statusAt: string | null;
  @Column('text', { name: 'quoted_id', nullable: true }) quotedId: string | null;
  @Column('boolean', { default: false }) forwarded: boolean;
  @Column('text', { name: 'edited_text', nullable: true, transformer: pgTextTransformer }) editedText: string | null;
  @Column('bigint', { name: 'edited_at', nullable: true }) editedAt: string | null;
  @Column('bigint', { name: 'deleted_at', nullable: true }) deletedAt: string | null;
  @Column('text', { default: 'live' }) source: 'live' | 'history';
  @Column('boolean', { name: 'is_stub', default: false }) isStub: boolean;
  @Column('jsonb', { nullable: true, transformer: pgJsonTransformer }) media: Record<string, unknown> | null;
  @Column('bytea', { nullable: true }) raw: Buffer | null;
  /** The jids the message mentions; null when none. */
  @Column('jsonb', { nullable: true }) mentions: string[] | null;
  /** Location, contact cards, poll, link preview, event, mentions (null before MessageKinds, or for a plain message). */
  @Column('jsonb', { nullable: true, transformer: pgJsonTransformer }) rich: Record<string, unknown> | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

/** Each voter's latest decrypted vote on a poll (`options` [] when withdrawn). */
@Entity({ name: 'wa_poll_votes' })
export class PollVoteEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_poll_votes_pkey' }) sessionId: string;
  @PrimaryColumn('bigint', { name: 'chat_id', primaryKeyConstraintName: 'wa_poll_votes_pkey' }) chatId: string;
  @PrimaryColumn('text', { name: 'poll_wa_id', primaryKeyConstraintName: 'wa_poll_votes_pkey' }) pollWaId: string;
  @PrimaryColumn('text', { name: 'voter_jid', primaryKeyConstraintName: 'wa_poll_votes_pkey' }) voterJid: string;
  @Column('jsonb') options: string[];
  @Column('text', { name: 'vote_wa_id' }) voteWaId: string;
  /** The voter's own clock (senderTimestampMs): the latest vote wins. */
  @Column('bigint', { name: 'voted_at' }) votedAt: string;
}

/** One reaction per actor per message (a new emoji replaces the old; removal deletes the row). */
@Entity({ name: 'wa_reactions' })
export class ReactionEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_reactions_pkey' }) sessionId: string;
  @PrimaryColumn('bigint', { name: 'chat_id', primaryKeyConstraintName: 'wa_reactions_pkey' }) chatId: string;
  @PrimaryColumn('text', { name: 'target_wa_id', primaryKeyConstraintName: 'wa_reactions_pkey' }) targetWaId: string;
  @PrimaryColumn('text', { name: 'actor_jid', primaryKeyConstraintName: 'wa_reactions_pkey' }) actorJid: string;
  @Column('text', { transformer: pgTextTransformer }) emoji: string;
  @Column('boolean', { name: 'from_me' }) fromMe: boolean;
  @Column('bigint', { name: 'reacted_at' }) reactedAt: string;
}

/** A history sync as a tracked job: chunks, progress and counts per sync type. */
@Entity({ name: 'wa_history_syncs' })
@Unique('wa_history_syncs_session_type_key', ['sessionId', 'syncType'])
@Check('wa_history_syncs_status_check', "status IN ('running','complete','paused')")
export class HistorySyncEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'wa_history_syncs_pkey' }) id: string;
  @Column('uuid', { name: 'session_id' }) sessionId: string;
  @Column('text', { name: 'sync_type' }) syncType: string;
  @Column('text', { default: 'running' }) status: string;
  @Column('integer', { default: 0 }) chunks: number;
  @Column('integer', { nullable: true }) progress: number | null;
  @Column('integer', { name: 'chats_count', default: 0 }) chatsCount: number;
  @Column('integer', { name: 'contacts_count', default: 0 }) contactsCount: number;
  @Column('integer', { name: 'messages_count', default: 0 }) messagesCount: number;
  @Column('timestamptz', { name: 'started_at', default: () => 'now()' }) startedAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

/** How far one of the session's messages got with one recipient (a group member, a 1:1 contact). */
@Entity({ name: 'wa_message_receipts' })
export class MessageReceiptEntity {
  @PrimaryColumn('uuid', { name: 'session_id', primaryKeyConstraintName: 'wa_message_receipts_pkey' })
  @ForeignKey(() => SessionEntity, { name: 'wa_message_receipts_session_id_fkey', onDelete: 'CASCADE' })
  sessionId: string;
  @PrimaryColumn('text', { name: 'remote_jid', primaryKeyConstraintName: 'wa_message_receipts_pkey' }) remoteJid: string;
  @PrimaryColumn('text', { name: 'wa_id', primaryKeyConstraintName: 'wa_message_receipts_pkey' }) waId: string;
  @PrimaryColumn('text', { name: 'recipient_jid', primaryKeyConstraintName: 'wa_message_receipts_pkey' }) recipientJid: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') status: string;
  @Column('bigint', { name: 'delivered_at', nullable: true }) deliveredAt: string | null;
  @Column('bigint', { name: 'read_at', nullable: true }) readAt: string | null;
  @Column('bigint', { name: 'played_at', nullable: true }) playedAt: string | null;
}

export const CHAT_ENTITIES = [ChatEntity, ChatAliasEntity, MessageEntity, ReactionEntity, HistorySyncEntity, MessageReceiptEntity, PollVoteEntity];
