/**
 * Poll votes: each vote (an encrypted pollUpdateMessage) is decrypted with its poll's secret from
 * the stored poll message, kept as the voter's latest choice (by the voter's own clock), and
 * announced as `session.messages.poll` in the same transaction. Reads aggregate them per option.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ROOT_LOGGER, type AppLogger } from '../common/logger.js';
import { rowsOf } from '../common/sql-rows.js';
import type { EventTransaction } from '../events/domain-events.js';
import type { PollVoteSummary } from '../events/event-map.js';
import type { SessionContext, WaMessageRecord } from '../whatsapp/conversation-types.js';
import { decryptVote, pollOfRaw } from '../whatsapp/message-kinds.js';
import type { ChatRef } from './chat-identity.js';

export interface PollResults {
  name: string;
  selectableCount: number;
  options: Array<{ name: string; votes: number; voters: string[] }>;
  totalVotes: number;
}

const ownJidOf = (ctx: SessionContext): string[] => {
  const phone = ctx.sessionPhone();
  return phone ? [`${phone}@s.whatsapp.net`] : [];
};

@Injectable()
export class PollVotes {
  constructor(@Optional() @Inject(ROOT_LOGGER) private readonly logger?: AppLogger) {}

  /** Decrypts, stores and announces the votes; a vote whose poll is unknown or that no jid opens is dropped (logged). */
  async store(t: EventTransaction, ctx: SessionContext, votes: WaMessageRecord[], chats: Map<string, ChatRef>): Promise<void> {
    const changed: PollVoteSummary[] = [];
    for (const record of votes) {
      const vote = record.pollVote;
      const chat = chats.get(record.remoteJid);
      if (!vote || !chat) continue;
      const opened = await this.open(t.manager, ctx, chat, record);
      if (!opened) {
        this.logger?.warn({ sessionId: ctx.sessionId, tenantId: ctx.tenantId, messageId: record.id, pollId: vote.pollId }, 'poll vote dropped: unknown poll or undecryptable vote');
        continue;
      }
      const { options, pollChat } = opened;
      const own = ownJidOf(ctx)[0] ?? 'me';
      // In a one-to-one chat the voter is its contact, named by the chat's canonical jid.
      const voterJid = record.fromMe ? own : chat.jid.endsWith('@g.us') ? (record.senderJid ?? record.remoteJid) : chat.jid;
      const written: unknown[] = rowsOf(await t.manager.query(
        `INSERT INTO wa_poll_votes (session_id, chat_id, poll_wa_id, voter_jid, options, vote_wa_id, voted_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
         ON CONFLICT (session_id, chat_id, poll_wa_id, voter_jid) DO UPDATE SET options = excluded.options, vote_wa_id = excluded.vote_wa_id, voted_at = excluded.voted_at
           WHERE excluded.voted_at >= wa_poll_votes.voted_at AND excluded.vote_wa_id <> wa_poll_votes.vote_wa_id RETURNING 1`,
        [ctx.sessionId, pollChat.id, vote.pollId, voterJid, JSON.stringify(options), record.id, vote.votedAtMs],
      ));
      if (written.length > 0) changed.push({ messageId: vote.pollId, chatJid: pollChat.jid, voterJid, options, at: Math.floor(vote.votedAtMs / 1000), voteMessageId: record.id });
    }
    if (changed.length > 0) await t.emit('session.messages.poll', ctx.sessionId, { tenantId: ctx.tenantId, votesCount: changed.length, votes: changed });
  }

  /**
   * The option names the vote chose and the poll's chat, or undefined. The poll is looked up in
   * the vote's chat, then in the whole session: a poll we sent to several chats (or a group) is
   * voted on from each voter's own chat.
   */
  private async open(manager: EntityManager, ctx: SessionContext, chat: ChatRef, record: WaMessageRecord): Promise<{ options: string[]; pollChat: ChatRef } | undefined> {
    const vote = record.pollVote!;
    const rows: Array<{ raw: Buffer; chat_id: string; jid: string }> = await manager.query(
      `SELECT m.raw, m.chat_id, c.jid FROM wa_messages m JOIN wa_chats c ON c.id = m.chat_id
        WHERE m.session_id = $1 AND m.wa_id = $3 AND m.raw IS NOT NULL AND NOT m.is_stub ORDER BY (m.chat_id = $2) DESC LIMIT 1`,
      [ctx.sessionId, chat.id, vote.pollId],
    );
    const found = rows[0];
    if (!found) return undefined;
    const pollChat: ChatRef = { id: String(found.chat_id), jid: found.jid };
    // A one-to-one chat's addresses (PN and LID): its contact is the poll's author or the voter.
    const aliasesOf = async (c: ChatRef): Promise<string[]> =>
      c.jid.endsWith('@g.us') ? [] : (await manager.query('SELECT jid FROM wa_chat_aliases WHERE chat_id = $1', [c.id]) as Array<{ jid: string }>).map((r) => r.jid);
    const voterAliases = await aliasesOf(chat);
    const own = ownJidOf(ctx);
    const poll = pollOfRaw(found.raw, own, pollChat.id === chat.id ? voterAliases : await aliasesOf(pollChat));
    if (!poll) return undefined;
    const voters = record.fromMe ? own : [...new Set([...vote.voterJids, ...voterAliases])];
    const options = decryptVote(poll, vote, voters);
    return options ? { options, pollChat } : undefined;
  }

  /** The polls' results: each option's voters (latest vote of each voter), in the poll's order. */
  async resultsOf(manager: EntityManager, sessionId: string, chatId: string, polls: Array<{ waId: string; poll: { name: string; selectableCount: number; options: string[] } }>): Promise<Map<string, PollResults>> {
    const out = new Map<string, PollResults>();
    if (polls.length === 0) return out;
    const rows: Array<{ poll_wa_id: string; voter_jid: string; options: string[] }> = await manager.query(
      `SELECT poll_wa_id, voter_jid, options FROM wa_poll_votes WHERE session_id = $1 AND chat_id = $2 AND poll_wa_id = ANY($3::text[]) ORDER BY voted_at, voter_jid`,
      [sessionId, chatId, polls.map((p) => p.waId)],
    );
    for (const { waId, poll } of polls) {
      const options = poll.options.map((name) => ({ name, votes: 0, voters: [] as string[] }));
      const voters = new Set<string>();
      for (const r of rows) {
        if (r.poll_wa_id !== waId) continue;
        for (const chosen of r.options) {
          const option = options.find((o) => o.name === chosen);
          if (!option) continue;
          option.votes++;
          option.voters.push(r.voter_jid);
          voters.add(r.voter_jid);
        }
      }
      out.set(waId, { name: poll.name, selectableCount: poll.selectableCount, options, totalVotes: voters.size });
    }
    return out;
  }
}
