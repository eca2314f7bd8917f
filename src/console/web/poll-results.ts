/** Live poll results in the console: a vote announced by `session.messages.poll`, applied to the loaded poll. */
import type { MessagePoll } from './chats-api.js';

export interface PollVote {
  messageId: string;
  chatJid: string;
  voterJid: string;
  options: string[];
}

/** A vote (`session.messages.poll`) applied to a poll's results: the voter's latest choice replaces its earlier one. */
export function applyVote(poll: MessagePoll, voterJid: string, chosen: string[]): MessagePoll {
  const options = poll.options.map((o) => {
    const voters = o.voters.filter((v) => v !== voterJid);
    if (chosen.includes(o.name)) voters.push(voterJid);
    return { ...o, voters, votes: voters.length };
  });
  return { ...poll, options, totalVotes: new Set(options.flatMap((o) => o.voters)).size };
}
