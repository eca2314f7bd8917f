/**
 * What the account's own phone sends a companion on its first login, right after `<ib><offline/>`:
 * the app-state key share (before any history notification, so the client's initial app-state sync
 * finds the key), then the history-sync chunks. Chunks go out one per event-loop turn, so a large
 * history neither blocks the simulator nor piles up in memory.
 */
import { randomBytes } from 'node:crypto';
import type { proto } from '@whiskeysockets/baileys';
import type { SimConnection } from './connection.js';
import type { SimulatorCore } from './core.js';
import { keyShareMessage } from './app-state.js';
import type { AppStateService } from './app-state-service.js';
import { groupConversation, memberMappings } from './groups/group-history.js';
import { fixtureContactPhone, historyChunks, historyNotificationMessage, isLidChat, validateHistoryOptions, type FixtureChat, type HistoryGroups, type HistoryOptions } from './history.js';
import { sendFromOwnPhone, sendFromOwnPhoneEncrypted } from './own-phone.js';
import type { AccountRecord } from './registry.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class PhoneSync {
  constructor(
    private readonly core: SimulatorCore,
    private readonly appState: AppStateService,
  ) {}

  /** Sets the account's history fixture and creates its contacts (simulated contacts the session can write to). */
  setHistory(account: AccountRecord, opts: HistoryOptions): void {
    validateHistoryOptions(opts);
    account.history = { ...opts, createdAt: Date.now(), tag: randomBytes(2).toString('hex') };
    for (let i = 0; i < opts.chats; i++) this.core.contacts.getOrCreate(fixtureContactPhone(account, i), { pushName: `Contact ${i + 1}` });
  }

  /** The fixture's chats (ids as the history addresses them). */
  fixtureChats(account: AccountRecord): FixtureChat[] {
    const h = account.history;
    if (!h) return [];
    return Array.from({ length: h.chats }, (_, i) => {
      const contact = this.core.contacts.getOrCreate(fixtureContactPhone(account, i), { pushName: `Contact ${i + 1}` });
      return { contact, id: isLidChat(i) ? contact.lidJid : contact.jid, name: contact.pushName ?? `Contact ${i + 1}` };
    });
  }

  /** The groups the account is in, with what was said in them. */
  groupHistory(account: AccountRecord): HistoryGroups {
    const groups = this.core.groups.groupsOf(account.phoneNumber);
    const person = (phone: string) => this.core.groups.person(phone);
    return {
      conversations: groups.map((g) => groupConversation(account, g, this.core.groups.messages.log.of(g.id), person)),
      mappings: memberMappings(account, groups),
    };
  }

  /** Key share, then the history chunks; resolves once the last chunk was handed to the socket. */
  async firstLogin(conn: SimConnection): Promise<void> {
    const device = conn.device;
    const account = device && this.core.registry.accounts.get(device.phoneNumber);
    if (!device || !account) return;
    const send = (message: proto.IMessage): Promise<void> =>
      this.core.options.encryptOwnPhone ? sendFromOwnPhoneEncrypted(this.core, conn, account, message) : Promise.resolve(sendFromOwnPhone(conn, account, message));
    await send(keyShareMessage(this.appState.of(account)));
    let chunks = 0;
    let messages = 0;
    for (const chunk of historyChunks(account, account.history, this.fixtureChats(account), this.groupHistory(account))) {
      if (!conn.isOpen) return;
      await send(historyNotificationMessage(chunk.notification));
      chunks++;
      messages += chunk.messages;
      await nextTurn();
    }
    this.core.events.emit('historySent', { phoneNumber: account.phoneNumber, deviceId: device.deviceId, chunks, messages });
  }
}
