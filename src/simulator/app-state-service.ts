/**
 * The phone's app-state side for every account: changes made "on the phone" (push name, contact
 * names, mute, archive, pin, mark read) become patches pushed live with `server_sync`; the
 * companions' `w:sync:app:state` queries are answered for every collection they ask (never an
 * error); and the sessions' own patches are decoded and recorded.
 */
import type { BinaryNode } from './binary.js';
import { iqResult } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimulatorCore } from './core.js';
import {
  addPhoneMutation,
  answerSync,
  newAppState,
  serverSyncNotification,
  type AppStateChange,
  type AppStateCollection,
  type AppStateJson,
  type AppStateMutation,
} from './app-state.js';
import type { AccountRecord } from './registry.js';

const MAX_RECORDED = 1000;

/** What the phone changes in one go (sandbox `POST /sandbox/phones/:phoneNumber/app-state`). */
export interface PhoneAppStateUpdate {
  pushName?: string;
  /** Names the account gave its contacts (address book). */
  contactNames?: { jid: string; name: string; lidJid?: string }[];
  /** `until`: mute end in ms since the epoch, -1 = forever; `muted: false` unmutes. */
  mute?: { jid: string; muted: boolean; until?: number }[];
  archive?: { jid: string; archived: boolean }[];
  pin?: { jid: string; pinned: boolean }[];
  markRead?: { jid: string; read: boolean }[];
  /** Chats the phone deletes (the sessions get `chats.delete`). */
  deleteChat?: { jid: string }[];
}

export class AppStateService {
  private readonly recorded = new Map<string, AppStateMutation[]>();
  /** Serialises changes per account (patch versions must not interleave). */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly core: SimulatorCore) {}

  /** The account's app state, created on first use. */
  of(account: AccountRecord): AppStateJson {
    account.appState ??= newAppState();
    return account.appState;
  }

  /** Applies the phone's changes, then tells every connected companion (one `server_sync` per collection). */
  update(account: AccountRecord, update: PhoneAppStateUpdate): Promise<Record<string, number>> {
    return this.serial(account.phoneNumber, async () => {
      const changes = toChanges(update, Date.now());
      if (update.pushName !== undefined) account.pushName = update.pushName;
      const versions: Partial<Record<AppStateCollection, number>> = {};
      for (const change of changes) {
        versions[change.collection] = await addPhoneMutation(this.of(account), change);
        this.record(account.phoneNumber, {
          collection: change.collection,
          index: change.index,
          value: JSON.parse(JSON.stringify(change.value)) as Record<string, unknown>,
          operation: change.operation ?? 'set',
          version: versions[change.collection]!,
          source: 'phone',
          phoneNumber: account.phoneNumber,
        });
      }
      for (const [collection, version] of Object.entries(versions) as [AppStateCollection, number][]) {
        for (const c of this.core.connectionsOf(account.phoneNumber)) c.send(serverSyncNotification(collection, version));
      }
      return versions;
    });
  }

  /** Answers a companion's app-state query (and records the patches it carries). */
  handleIq(conn: SimConnection, iq: BinaryNode): void {
    const device = conn.device;
    const account = device && this.core.registry.accounts.get(device.phoneNumber);
    if (!device || !account) return;
    void this.serial(account.phoneNumber, async () => {
      try {
        const changed = new Map<AppStateCollection, number>();
        const answer = await answerSync(this.of(account), iq, (collection, mutations) => {
          for (const m of mutations) {
            changed.set(collection, Math.max(changed.get(collection) ?? 0, m.version));
            const pushName = (m.value.pushNameSetting as { name?: string } | undefined)?.name;
            if (pushName) account.pushName = pushName; // the profile name is the account's, whoever changes it
            this.record(account.phoneNumber, { ...m, source: 'session', phoneNumber: account.phoneNumber, deviceId: device.deviceId });
          }
        });
        conn.send(answer);
        // The account's other devices learn of a session's chat modification as of the phone's (WA-PROTOCOL-3 §9).
        for (const [collection, version] of changed) {
          for (const c of this.core.connectionsOf(account.phoneNumber)) if (c !== conn) c.send(serverSyncNotification(collection, version));
        }
      } catch (err) {
        // Never answer with an error: the client would stay in Syncing. An empty answer lets it finish.
        this.core.logger.warn({ err }, 'simulator could not process an app-state query; answering without patches');
        conn.send(iqResult(iq, [{ tag: 'sync', attrs: {}, content: [] }]));
      }
    });
  }

  /** App-state mutations of an account, oldest first: the phone's and the sessions' own. */
  mutations(phoneNumber: string): AppStateMutation[] {
    return [...(this.recorded.get(phoneNumber) ?? [])];
  }

  private record(phoneNumber: string, m: AppStateMutation): void {
    const list = this.recorded.get(phoneNumber) ?? [];
    list.push(m);
    if (list.length > MAX_RECORDED) list.shift();
    this.recorded.set(phoneNumber, list);
    this.core.events.emit('appState', m);
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.chains.set(key, next);
    void next
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      })
      .catch(() => undefined);
    return next;
  }
}

/** Index, collection and API version per action, as `chatModificationToAppPatch` writes them. */
export function toChanges(u: PhoneAppStateUpdate, now: number): AppStateChange[] {
  const out: AppStateChange[] = [];
  const at = (value: AppStateChange['value']): AppStateChange['value'] => ({ timestamp: now, ...value });
  if (u.pushName !== undefined) {
    out.push({ collection: 'critical_block', index: ['setting_pushName'], apiVersion: 1, value: at({ pushNameSetting: { name: u.pushName } }) });
  }
  for (const c of u.contactNames ?? []) {
    out.push({
      collection: 'critical_unblock_low',
      index: ['contact', c.jid],
      apiVersion: 2,
      value: at({ contactAction: { fullName: c.name, firstName: c.name.split(' ')[0], lidJid: c.lidJid } }),
    });
  }
  for (const m of u.mute ?? []) {
    out.push({
      collection: 'regular_high',
      index: ['mute', m.jid],
      apiVersion: 2,
      value: at({ muteAction: m.muted ? { muted: true, muteEndTimestamp: m.until ?? -1 } : { muted: false } }),
    });
  }
  for (const a of u.archive ?? []) {
    out.push({ collection: 'regular_low', index: ['archive', a.jid], apiVersion: 3, value: at({ archiveChatAction: { archived: a.archived, messageRange: { lastMessageTimestamp: Math.floor(now / 1000) } } }) });
  }
  for (const p of u.pin ?? []) {
    out.push({ collection: 'regular_low', index: ['pin_v1', p.jid], apiVersion: 5, value: at({ pinAction: { pinned: p.pinned } }) });
  }
  for (const r of u.markRead ?? []) {
    out.push({ collection: 'regular_low', index: ['markChatAsRead', r.jid], apiVersion: 3, value: at({ markChatAsReadAction: { read: r.read, messageRange: { lastMessageTimestamp: Math.floor(now / 1000) } } }) });
  }
  for (const d of u.deleteChat ?? []) {
    out.push({ collection: 'regular_high', index: ['deleteChat', d.jid, '1'], apiVersion: 6, value: at({ deleteChatAction: { messageRange: { lastMessageTimestamp: Math.floor(now / 1000) } } }) });
  }
  return out;
}
