/**
 * What a member's phone remembers of its groups, for the history sync of a new companion
 * (WA-PROTOCOL-2 §2): the last messages said in each group (by simulated members and by sessions),
 * in a bounded log per group, and each group the account is in as a history conversation, as
 * WhatsApp sends it: `id` the group jid, `name` the subject, messages newest first with the key's
 * `participant` the sender as the group addresses it (a LID in a LID group), the sender's push
 * name, and the members' LID↔PN pairs among the history's mappings.
 */
import { proto } from '@whiskeysockets/baileys';
import type { AccountRecord } from '../registry.js';
import { gidJid, lidJid, memberJid, pnJid, type GroupRecord, type Person } from './group-store.js';

/** Messages kept per group (the oldest go first). */
const MAX_LOGGED = 200;
const NOT_SAID = new Set(['senderKeyDistributionMessage', 'messageContextInfo', 'protocolMessage']);

export interface LoggedGroupMessage {
  id: string;
  /** Phone number of the sender (a simulated member or a session's account). */
  from: string;
  pushName?: string;
  message: proto.IMessage;
  /** Unix seconds. */
  timestamp: number;
}

export class GroupMessageLog {
  /** Bare group id → its messages, oldest first. */
  private readonly logs = new Map<string, LoggedGroupMessage[]>();

  record(gid: string, entry: LoggedGroupMessage): void {
    // Key distributions and protocol messages (edits, revokes) are no conversation.
    const fields = Object.keys(entry.message).filter((k) => entry.message[k as keyof proto.IMessage] !== null && entry.message[k as keyof proto.IMessage] !== undefined);
    if (fields.every((k) => NOT_SAID.has(k))) return;
    let log = this.logs.get(gid);
    if (!log) this.logs.set(gid, (log = []));
    if (log.some((m) => m.id === entry.id)) return; // a re-send after a retry receipt
    log.push(entry);
    if (log.length > MAX_LOGGED) log.shift();
  }

  of(gid: string): readonly LoggedGroupMessage[] {
    return this.logs.get(gid) ?? [];
  }
}

/** One group as the history of `account`'s new companion carries it. */
export function groupConversation(account: AccountRecord, group: GroupRecord, log: readonly LoggedGroupMessage[], person: (phone: string) => Person): proto.IConversation {
  const gid = gidJid(group.id);
  const messages: proto.IHistorySyncMsg[] = [];
  for (let n = log.length - 1; n >= 0; n--) {
    const m = log[n]!;
    const fromMe = m.from === account.phoneNumber;
    messages.push({
      msgOrderId: n + 1,
      message: {
        key: { remoteJid: gid, fromMe, id: m.id, participant: fromMe ? undefined : memberJid(group, person(m.from)) },
        message: m.message,
        messageTimestamp: m.timestamp,
        status: fromMe ? proto.WebMessageInfo.Status.SERVER_ACK : undefined,
        pushName: fromMe ? account.pushName : m.pushName,
      },
    });
  }
  return {
    id: gid,
    name: group.subject,
    messages,
    unreadCount: 0,
    conversationTimestamp: log.length > 0 ? log[log.length - 1]!.timestamp : group.creation,
  };
}

/** The LID↔PN pairs of the groups' members (the account's own excepted). */
export function memberMappings(account: AccountRecord, groups: GroupRecord[]): proto.IPhoneNumberToLIDMapping[] {
  const seen = new Map<string, string>();
  for (const g of groups) for (const p of g.participants) if (p.phone !== account.phoneNumber) seen.set(p.phone, p.lid);
  return [...seen].map(([phone, lid]) => ({ pnJid: pnJid(phone), lidJid: lidJid(lid) }));
}
