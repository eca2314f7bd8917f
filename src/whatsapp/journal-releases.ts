/**
 * When an inbound message's journal row (inbound-journal.ts) may go: once everything the message
 * causes is committed. For most messages that is the `messages.upsert` batch that carries them.
 * Two protocol messages have effects Baileys commits after it emits them: a history-sync
 * notification's chats and messages arrive in a later `messaging-history.set` (same sync type and
 * chunk order), and an app-state key share's keys are stored before a `creds.update` naming the
 * new `myAppStateKeyId`. Their rows wait for those events, so that a crash in between replays them.
 * Baileys buffers upserts but not creds updates, so the saved key id may come first: a share whose
 * last key is already the saved one goes at once.
 * Baileys processes notifications one at a time, in order, and its event buffer merges the history
 * sets of one flush into one (keeping the last one's sync type and chunk order): a set releases its
 * own notification and every one registered before it.
 */
import { proto, type BaileysEventMap, type WAMessage } from '@whiskeysockets/baileys';

type HistorySet = BaileysEventMap['messaging-history.set'];

export class JournalReleases {
  /** Notifications whose history has not been stored yet, in arrival order (key: `${syncType}:${chunkOrder}`). */
  private history: Array<{ key: string; id: string }> = [];
  private keyShares: string[] = [];

  /**
   * The ids of one handled batch whose journal rows can go now. Call it after the batch is
   * committed; the upserted messages are registered before the batch's own history and creds
   * events are matched, so a batch that carries both releases both.
   */
  releasable(events: Partial<BaileysEventMap>, savedKeyId?: string | null): string[] {
    const ids: string[] = [];
    for (const m of events['messages.upsert']?.messages ?? []) {
      const id = m.key.id;
      if (id) ids.push(...this.afterUpsert(m, id, savedKeyId));
    }
    const set = events['messaging-history.set'];
    if (set) ids.push(...this.afterHistory(set));
    if (events['creds.update']?.myAppStateKeyId) {
      ids.push(...this.keyShares);
      this.keyShares = [];
    }
    return ids;
  }

  private afterUpsert(m: WAMessage, id: string, savedKeyId: string | null | undefined): string[] {
    const protocol = m.message?.protocolMessage;
    const notification = protocol?.historySyncNotification;
    // FULL history is not processed (syncFullHistory off): Baileys never emits a set for it.
    if (notification && notification.syncType !== proto.Message.HistorySyncType.FULL) {
      this.history.push({ key: `${notification.syncType ?? ''}:${notification.chunkOrder ?? ''}`, id });
      return [];
    }
    const shared = protocol?.appStateSyncKeyShare?.keys;
    if (shared?.length) {
      const lastKey = shared.at(-1)?.keyId?.keyId;
      if (savedKeyId && lastKey && Buffer.from(lastKey).toString('base64') === savedKeyId) return [id];
      this.keyShares.push(id);
      return [];
    }
    return [id];
  }

  private afterHistory(set: HistorySet): string[] {
    const key = `${set.syncType ?? ''}:${set.chunkOrder ?? ''}`;
    const last = this.history.findLastIndex((h) => h.key === key);
    if (last < 0) return [];
    const done = this.history.slice(0, last + 1);
    this.history = this.history.slice(last + 1);
    return done.map((h) => h.id);
  }
}
