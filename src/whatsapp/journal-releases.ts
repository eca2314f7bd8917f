/**
 * When an inbound message's journal row (inbound-journal.ts) may go: once everything the message
 * causes is committed. For most messages that is the `messages.upsert` batch that carries them.
 * Two protocol messages have effects Baileys commits after it emits them: a history-sync
 * notification's chats and messages arrive in a later `messaging-history.set` (same sync type and
 * chunk order), and an app-state key share's keys are stored before a `creds.update` naming the
 * new `myAppStateKeyId`. Their rows wait for those events, so that a crash in between replays them.
 */
import { proto, type BaileysEventMap, type WAMessage } from '@whiskeysockets/baileys';

type HistorySet = BaileysEventMap['messaging-history.set'];

export class JournalReleases {
  /** `${syncType}:${chunkOrder}` → ids of the notifications whose history has not been stored yet. */
  private readonly history = new Map<string, string[]>();
  private keyShares: string[] = [];

  /**
   * The ids of one handled batch whose journal rows can go now. Call it after the batch is
   * committed; the upserted messages are registered before the batch's own history and creds
   * events are matched, so a batch that carries both releases both.
   */
  releasable(events: Partial<BaileysEventMap>): string[] {
    const ids: string[] = [];
    for (const m of events['messages.upsert']?.messages ?? []) {
      const id = m.key.id;
      if (id) ids.push(...this.afterUpsert(m, id));
    }
    const set = events['messaging-history.set'];
    if (set) ids.push(...this.afterHistory(set));
    if (events['creds.update']?.myAppStateKeyId) {
      ids.push(...this.keyShares);
      this.keyShares = [];
    }
    return ids;
  }

  private afterUpsert(m: WAMessage, id: string): string[] {
    const protocol = m.message?.protocolMessage;
    const notification = protocol?.historySyncNotification;
    // FULL history is not processed (syncFullHistory off): Baileys never emits a set for it.
    if (notification && notification.syncType !== proto.Message.HistorySyncType.FULL) {
      const key = `${notification.syncType ?? ''}:${notification.chunkOrder ?? ''}`;
      this.history.set(key, [...(this.history.get(key) ?? []), id]);
      return [];
    }
    if (protocol?.appStateSyncKeyShare?.keys?.length) {
      this.keyShares.push(id);
      return [];
    }
    return [id];
  }

  private afterHistory(set: HistorySet): string[] {
    const key = `${set.syncType ?? ''}:${set.chunkOrder ?? ''}`;
    const ids = this.history.get(key) ?? [];
    this.history.delete(key);
    return ids;
  }
}
