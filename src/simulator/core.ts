/** Internal interface between the simulator's parts (not part of the public API). */
import type { AccountIqs } from './account-iqs.js';
import type { AppStateService } from './app-state-service.js';
import type { ContactDirectory, SimContact } from './contacts.js';
import type { SimConnection } from './connection.js';
import type { SimulatorEvents } from './events.js';
import type { MediaHost } from './media-host.js';
import type { AccountRecord, DeviceRegistry } from './registry.js';
import type { RetryRequests } from './retry.js';
import type { SimGroups } from './groups/group-service.js';
import type { SignalParty } from './signal-party.js';
import type { AutoReceiptsOptions, SimLogger } from './types.js';

export interface ResolvedOptions {
  qrRefCount: number;
  autoReceipts: Required<AutoReceiptsOptions> | false;
  autoCreateContacts: boolean;
  historySync: 'first-login' | 'always' | 'never';
  offlineQueue: boolean;
  redeliverUnacked: boolean;
  encryptOwnPhone: boolean;
  maxRecordedMessagesPerSession: number;
  initialPreKeyCount: number;
}

export type ResolvedUser =
  | { kind: 'account'; account: AccountRecord }
  | { kind: 'contact'; contact: SimContact };

export interface SimulatorCore {
  readonly registry: DeviceRegistry;
  readonly contacts: ContactDirectory;
  readonly options: ResolvedOptions;
  readonly logger: SimLogger;
  readonly events: SimulatorEvents;
  readonly appState: AppStateService;
  /** The HTTPS media host (undefined when turned off or not started yet). */
  readonly mediaHost: MediaHost | undefined;
  readonly retries: RetryRequests;
  /** Groups: registry changes, w:g2 answers, w:gp2 notifications, sender-key messaging. */
  readonly groups: SimGroups;
  /** Number checks, profiles, blocklists, presence subscriptions (account-iqs.ts). */
  readonly accountIqs: AccountIqs;
  /** The account's own phone as a Signal party (for the session's own-phone copies). */
  phoneParty(account: AccountRecord): SignalParty;
  /** Resolves a jid's user (PN or LID) to an account or a contact; may create a contact for an unknown PN. */
  resolveUser(jid: string, create: boolean): ResolvedUser | undefined;
  /** Logged-in connections of an account. */
  connectionsOf(phoneNumber: string): SimConnection[];
  /** Called when the client has asked everything it needs before `connection: 'open'`. */
  onPreOpenDone(conn: SimConnection): void;
  /** The client logged out (remove-companion-device). */
  onLogout(conn: SimConnection): void;
}
