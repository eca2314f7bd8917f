/**
 * The inbound journal closes Baileys' receipt-before-event window. rc14 acknowledges an inbound
 * message to WhatsApp (`sendReceipt`) before it emits `messages.upsert`, and its Signal ratchet has
 * moved on by then: a process that dies between the two loses the message for good. Baileys offers
 * one seam on that path, the `makeSignalRepository` socket option: the journal wraps the repository
 * (1:1 `decryptMessage` and the sender-key `decryptGroupMessage` of group messages alike) so that each decrypted plaintext, with the stanza it came in, is committed to
 * `wa_inbound_journal` before the receipt goes out: the row is handed to the socket's write barrier
 * (write-barrier.ts), which holds the receipt until it has committed (the journal writes of all
 * sessions are group-committed; without a barrier, Baileys gets the plaintext back only after
 * the commit). A row is
 * released once everything the message causes has committed (journal-releases.ts), and wiped with
 * the credentials; rows left by a crash are decoded by Baileys' own `decodeMessageNode` and handed
 * to Baileys' `upsertMessage` at the next open (whatsapp-connection.ts), which processes them as it
 * does live messages (the message stores are idempotent by key, so a replay of a stored message
 * changes nothing). Rows of sessions that never connect again go with retention.
 */
import { Injectable } from '@nestjs/common';
import {
  DEFAULT_CONNECTION_CONFIG, cleanMessage, decodeBinaryNode, decodeMessageNode, encodeBinaryNode, proto, unpadRandomMax16,
  type BinaryNode, type SocketConfig, type WAMessage,
} from '@whiskeysockets/baileys';
import { DataSource } from 'typeorm';
import { PreparedStatement } from '../database/prepared-statement.js';
import { GroupCommit } from './group-commit.js';
import type { WriteBarrier } from './write-barrier.js';

interface JournalEntry {
  sessionId: string;
  barrier?: WriteBarrier;
  messageId: string;
  part: number;
  stanza: Buffer;
  plaintext: Buffer;
}

/** The journal as one connection sees it. */
export interface SessionJournal {
  /** Wraps Baileys' signal repository factory (the socket's `makeSignalRepository` option). */
  makeSignalRepository: SocketConfig['makeSignalRepository'];
  /** Remembers each inbound stanza so that its decrypted parts can be journaled with it. */
  track(stanza: BinaryNode): void;
  /** Messages journaled but never released (a crash came between receipt and commit). */
  unreleased(meId: string, meLid: string): Promise<WAMessage[]>;
  release(messageIds: string[]): Promise<void>;
}

interface Release {
  sessionId: string;
  messageIds: string[];
}

const INSERT = new PreparedStatement('wa_inbound_journal_insert', `
  INSERT INTO wa_inbound_journal (session_id, message_id, part, stanza, plaintext)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::bytea[], $5::bytea[])
  ON CONFLICT (session_id, message_id, part) DO NOTHING`);

const RELEASE = new PreparedStatement('wa_inbound_journal_release', `
  DELETE FROM wa_inbound_journal j USING unnest($1::uuid[], $2::text[]) AS x(s, m)
  WHERE j.session_id = x.s AND j.message_id = x.m`);

@Injectable()
export class InboundJournal {
  /** Every session's decryptions share multi-row INSERTs (group commit). */
  private readonly records = new GroupCommit<JournalEntry>((entries) => this.insert(entries));
  /** And every session's releases share DELETEs. */
  private readonly releases = new GroupCommit<Release>((batch) => this.delete(batch));

  constructor(private readonly dataSource: DataSource) {}

  /** `barrier`: the socket's (see write-barrier.ts); without one, each decryption waits for its row's commit. */
  forSession(sessionId: string, barrier?: WriteBarrier): SessionJournal {
    const stanzas = new WeakMap<Uint8Array, { stanza: BinaryNode; part: number }>();
    /** Journals the plaintext of `ciphertext` with the stanza it came in (one it tracked). */
    const record = async (ciphertext: Uint8Array, plaintext: Uint8Array): Promise<void> => {
      const seen = stanzas.get(ciphertext);
      const messageId = seen?.stanza.attrs.id;
      if (!seen || !messageId) return;
      const entry: JournalEntry = { sessionId, barrier, messageId, part: seen.part, stanza: Buffer.from(encodeBinaryNode(seen.stanza)), plaintext: Buffer.from(plaintext) };
      if (!barrier) return this.records.submit(entry);
      barrier.track(this.records.submit(entry));
      await barrier.room();
    };
    return {
      track: (stanza) => {
        const parts = Array.isArray(stanza.content) ? stanza.content : [];
        parts.forEach((child, part) => {
          if ((child.tag === 'enc' || child.tag === 'plaintext') && child.content instanceof Uint8Array) stanzas.set(child.content, { stanza, part });
        });
      },
      makeSignalRepository: (auth, logger, pnToLid) => {
        const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository(auth, logger, pnToLid);
        const decryptMessage = repository.decryptMessage.bind(repository);
        // One key-store transaction around both: Baileys' own (nested) joins it, and the journal row
        // is handed over before the advanced ratchet. The receipt waits for both (write-barrier.ts;
        // without a barrier, the row commits first): a crash before it leaves the old ratchet or the
        // journaled message, and the redelivered copy still decrypts.
        const keys = auth.keys;
        const inTransaction = <T>(work: () => Promise<T>, key: string): Promise<T> => ('transaction' in keys ? keys.transaction(work, key) : work());
        repository.decryptMessage = (args) => inTransaction(async () => {
          const plaintext = await decryptMessage(args);
          await record(args.ciphertext, plaintext);
          return plaintext;
        }, args.jid);
        // Group messages (`skmsg`) take the sender-key path: journaled the same way, in the same transaction.
        const decryptGroupMessage = repository.decryptGroupMessage.bind(repository);
        repository.decryptGroupMessage = (args) => inTransaction(async () => {
          const plaintext = await decryptGroupMessage(args);
          await record(args.msg, plaintext);
          return plaintext;
        }, args.group);
        return repository;
      },
      unreleased: (meId, meLid) => this.unreleased(sessionId, meId, meLid),
      release: async (messageIds) => {
        if (messageIds.length === 0) return;
        // Not before the rows are in (write-behind): a deletion that overtook its row would leave it.
        if (barrier) await barrier.until(barrier.mark).catch(() => undefined);
        await this.releases.submit({ sessionId, messageIds });
      },
    };
  }

  private async insert(entries: JournalEntry[]): Promise<void> {
    try {
      await INSERT.run(this.dataSource, [
        entries.map((e) => e.sessionId), entries.map((e) => e.messageId), entries.map((e) => e.part), entries.map((e) => e.stanza), entries.map((e) => e.plaintext),
      ]);
    } catch (err) {
      // At once: the sessions' key writes queued behind must not commit without these rows.
      for (const e of entries) e.barrier?.fail(err);
      throw err;
    }
  }

  private async delete(batch: Release[]): Promise<void> {
    const sessions = batch.flatMap((r) => r.messageIds.map(() => r.sessionId));
    const ids = batch.flatMap((r) => r.messageIds);
    await RELEASE.run(this.dataSource, [sessions, ids]);
  }

  private async unreleased(sessionId: string, meId: string, meLid: string): Promise<WAMessage[]> {
    const rows: Array<{ message_id: string; stanza: Buffer; plaintext: Buffer }> = await this.dataSource.query(
      'SELECT message_id, stanza, plaintext FROM wa_inbound_journal WHERE session_id = $1 ORDER BY created_at, message_id, part',
      [sessionId],
    );
    const byId = new Map<string, WAMessage>();
    for (const row of rows) {
      let message = byId.get(row.message_id);
      if (!message) {
        const stanza = await decodeBinaryNode(row.stanza);
        message = decodeMessageNode(stanza, meId, meLid).fullMessage as WAMessage;
        byId.set(row.message_id, message);
      }
      const decoded = proto.Message.decode(unpadRandomMax16(row.plaintext));
      message.message = { ...(message.message ?? {}), ...(decoded.deviceSentMessage?.message ?? decoded) } as proto.IMessage;
    }
    const messages = [...byId.values()];
    for (const m of messages) cleanMessage(m, meId, meLid);
    return messages;
  }
}
