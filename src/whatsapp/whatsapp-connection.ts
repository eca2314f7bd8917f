/**
 * One live Baileys socket, seen through typed callbacks. Baileys events are handled one batch at
 * a time, in order (a promise chain), so that what a session persists and reports keeps
 * WhatsApp's order. The session owner creates a new connection for every (re)connect.
 */
import type { Boom } from '@hapi/boom';
import type { BaileysEventMap, WASocket } from '@whiskeysockets/baileys';
import type { AppLogger } from '../common/logger.js';
import { accountInfoOf, isPaired, type AccountInfo } from './event-translator.js';
import type { ConversationSink } from './conversation-types.js';
import { routeConversationEvents } from './conversation-events.js';
import type { SessionJournal } from './inbound-journal.js';
import { JournalReleases } from './journal-releases.js';
import { WhatsAppCommands } from './whatsapp-commands.js';
import { GroupCommands } from './group-commands.js';
import type { GroupSink } from './group-types.js';
import { ownIdsOf, routeGroupEvents } from './group-events.js';
import { callSummariesOf } from './call-events.js';
import { chatStateChangesOf, type ChatStateChange } from './chat-state-events.js';
import type { CallSummary } from '../events/event-map.js';
import { AccountCommands } from './account-commands.js';
import type { LoadedAuthState } from './postgres-auth-state.js';
import { withTimeout } from './timeout.js';

export interface CloseInfo {
  statusCode: number;
  message: string;
  date: Date;
  /** Why the session's proxy refused this connection, when it did (the close is then `proxy_error`). */
  proxyError?: string;
  /** The WhatsApp Web version this connection announced (`2.3000.N`). */
  version?: string;
}

/** What the socket factory tells a connection about how it was opened. */
export interface ConnectionSetup {
  /** The WhatsApp Web version announced. */
  version: string;
  /** The proxy's refusal since this connection started, if the socket goes through one. */
  proxyFailure?: () => string | undefined;
  /** Resolves once the frames asked for so far have left the socket (write-barrier.ts `FrameGate`). */
  framesSent?: () => Promise<void>;
}

export interface ConnectionHandlers {
  onQr(qr: string): Promise<void>;
  /** The phone scanned the QR: credentials now carry the account. A 515 close follows. */
  onPaired(account: AccountInfo): Promise<void>;
  onOpen(account: AccountInfo): Promise<void>;
  /** A paired account's profile (push) name arrived or changed. */
  onProfileName(account: AccountInfo): Promise<void>;
  onClose(close: CloseInfo): Promise<void>;
  /** Where chats, messages, contacts and presence go (the chats module's store). */
  conversations: ConversationSink;
  /** Where groups go, and where Baileys reads their metadata before a send (the groups module's store). */
  groups?: GroupSink;
  /** Calls to the account (offers, rings, ends), as they arrive. */
  onCalls?(calls: CallSummary[]): void;
  /** Archive, pin, mute, read/unread and delete of chats, shared by the account's devices (app state). */
  onChatStates?(changes: ChatStateChange[]): Promise<void>;
}

export { TimeoutError, withTimeout } from './timeout.js';

export class WhatsAppConnection {
  private queue: Promise<void> = Promise.resolve();
  /** The last queued batch not yet started: later message batches may still join it. */
  private waiting: { events: Partial<BaileysEventMap> } | null = null;
  private closed = false;
  /** The profile name last reported (onPaired, onProfileName). */
  private knownName: string | null;
  /** Sends, edits, deletes, reactions, receipts and presence (each with a timeout). */
  readonly commands: WhatsAppCommands;
  /** Group queries and changes (each with a timeout). */
  readonly groups: GroupCommands;
  /** Number checks, profiles, blocklist, presence subscriptions (each with a timeout). */
  readonly accountCommands: AccountCommands;
  private readonly releases = new JournalReleases();

  constructor(
    private readonly socket: WASocket,
    private readonly auth: LoadedAuthState,
    private readonly handlers: ConnectionHandlers,
    private readonly logger: AppLogger,
    private readonly requestTimeoutMs: number,
    private readonly journal: SessionJournal,
    private readonly setup?: ConnectionSetup,
  ) {
    this.knownName = accountInfoOf(auth.state.creds).deviceName;
    this.commands = new WhatsAppCommands(socket, requestTimeoutMs, () => this.account.phone, setup?.framesSent);
    this.groups = new GroupCommands(socket, requestTimeoutMs, () => ownIdsOf(this.auth.state.creds.me));
    this.accountCommands = new AccountCommands(socket, requestTimeoutMs);
    socket.ev.process((events) => this.receive(events));
  }

  get account(): AccountInfo {
    return accountInfoOf(this.auth.state.creds);
  }

  async sendText(jid: string, text: string): Promise<{ id: string; timestamp: number }> {
    const sent = await this.commands.send(jid, { text });
    return { id: sent.id, timestamp: sent.timestamp };
  }

  /** Asks WhatsApp for a code the phone enters in place of scanning the QR (phone: digits). */
  async requestPairingCode(phoneNumber: string): Promise<string> {
    return withTimeout(this.socket.requestPairingCode(phoneNumber), this.requestTimeoutMs, 'pairing code');
  }

  /** Unlinks the device (the phone's "Linked devices" entry disappears); Baileys then closes 401. */
  async logout(): Promise<void> {
    await withTimeout(this.socket.logout(), this.requestTimeoutMs, 'logout');
  }

  /** Closes the socket without logging out (stop, restart, shutdown). No close callback follows. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    void this.socket.end(undefined).catch(() => undefined);
  }

  /** Resolves once every Baileys event received so far has been handled. */
  drain(): Promise<void> {
    return this.queue;
  }

  /**
   * Queues one batch of Baileys events. While the queue is busy, message batches that arrive
   * behind a waiting one join it (see `mergeBatches`): a burst of inbound messages is stored in a
   * few transactions instead of one per message, in the same order.
   */
  private receive(events: Partial<BaileysEventMap>): void {
    const waiting = this.waiting;
    if (waiting && mergeBatches(waiting.events, events)) return;
    const unit = { events };
    this.waiting = unit;
    void this.enqueue(async () => {
      if (this.waiting === unit) this.waiting = null;
      await this.handle(unit.events);
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((err: unknown) => this.logger.error({ err }, 'handling a WhatsApp event failed'));
    return this.queue;
  }

  /**
   * Messages a crash caught between their receipt and their commit, handed to Baileys' own
   * `upsertMessage` in journal order once the socket is open: it emits them as `messages.upsert`
   * and processes their protocol content (history-sync notifications, app-state key shares, ...)
   * exactly as it does a live message. Their rows go as a live message's do (journal-releases.ts).
   */
  private async replayJournal(): Promise<void> {
    const me = this.auth.state.creds.me;
    if (!me?.id) return;
    const messages = await this.journal.unreleased(me.id, me.lid ?? '');
    if (messages.length === 0) return;
    this.logger.info({ count: messages.length }, 'recovering messages acknowledged before a crash');
    for (const message of messages) {
      if (this.closed) return;
      await this.socket.upsertMessage(message, 'notify');
    }
  }

  /**
   * Every group the account is in, asked once per connect (not in the event queue): Baileys emits
   * them as `groups.update` with full metadata, which the group store takes as upserts. The answer's
   * jids then go to the store, in the event queue, which forgets the groups left while offline; a
   * failed or timed-out question changes nothing, and neither does an answer after the socket closed.
   */
  private refreshGroups(): void {
    const sink = this.handlers.groups;
    if (!sink) return;
    const askedAt = new Date();
    void this.groups.all().then(
      (groups) => this.enqueue(async () => {
        if (!this.closed) await sink.reconcile(groups.map((g) => g.jid), askedAt, ownIdsOf(this.auth.state.creds.me));
      }),
      (err: unknown) => this.logger.warn({ err }, 'could not fetch the groups at connect'),
    );
  }

  private async handle(events: Partial<BaileysEventMap>): Promise<void> {
    if (events['creds.update']) {
      const wasRegistered = this.auth.registered;
      await this.auth.saveCreds();
      if (!wasRegistered && isPaired(this.auth.state.creds)) {
        this.auth.registered = true;
        this.knownName = this.account.deviceName;
        await this.handlers.onPaired(this.account);
      }
      const name = this.account.deviceName;
      if (this.auth.registered && name && name !== this.knownName && !this.closed) {
        this.knownName = name;
        await this.handlers.onProfileName(this.account);
      }
    }
    const update = events['connection.update'];
    if (update) {
      if (update.qr && !this.closed) await this.handlers.onQr(update.qr);
      if (update.connection === 'open' && !this.closed) {
        await this.handlers.onOpen(this.account);
        await this.replayJournal();
        this.refreshGroups();
      }
      if (update.connection === 'close' && !this.closed) {
        this.closed = true;
        const error = update.lastDisconnect?.error as Boom | Error | undefined;
        const statusCode = (error as Boom | undefined)?.output?.statusCode ?? 500;
        const proxyError = this.setup?.proxyFailure?.();
        await this.handlers.onClose({
          statusCode,
          message: proxyError ?? error?.message ?? 'Connection closed',
          date: update.lastDisconnect?.date ?? new Date(),
          ...(proxyError ? { proxyError } : {}),
          ...(this.setup ? { version: this.setup.version } : {}),
        });
      }
    }
    if (this.closed) return;
    const calls = events.call ? callSummariesOf(events.call) : [];
    if (calls.length > 0) this.handlers.onCalls?.(calls);
    const chatStates = this.handlers.onChatStates ? chatStateChangesOf(events) : [];
    if (chatStates.length > 0) await this.handlers.onChatStates!(chatStates);
    await routeConversationEvents(events, this.handlers.conversations, this.account.phone);
    if (this.handlers.groups) await routeGroupEvents(events, this.handlers.groups, ownIdsOf(this.auth.state.creds.me), (jid) => this.groups.metadata(jid), (pairs) => this.handlers.conversations.mappings(pairs));
    // Committed by the sink above: their journal rows can go.
    await this.journal.release(this.releases.releasable(events, this.auth.state.creds.myAppStateKeyId));
  }
}

/**
 * Events whose batches may be joined: messages, their updates, and the push names and chat
 * updates that come with them (Baileys emits every live message with a `chats.update` of its chat).
 */
const JOINED_LISTS = ['messages.update', 'contacts.update', 'contacts.upsert', 'chats.update', 'chats.upsert'] as const;
const JOINABLE = new Set<string>(['messages.upsert', ...JOINED_LISTS]);
/** Bounds the size of one joined batch (one transaction). */
const MAX_JOINED_MESSAGES = 500;

/**
 * Appends `next` to `target` when both hold only joinable events and their upserts are of one
 * type (notify or append) without a request id; true when joined. Handled together, the upserts
 * are stored before the updates: an update can only find more of its messages, never fewer; and
 * the chat updates (names, archive, pin, mute: unread counts are ours) before the messages.
 */
export function mergeBatches(target: Partial<BaileysEventMap>, next: Partial<BaileysEventMap>): boolean {
  const keys = [...Object.keys(target), ...Object.keys(next)];
  if (!keys.every((k) => JOINABLE.has(k))) return false;
  const a = target['messages.upsert'];
  const b = next['messages.upsert'];
  if (a && b && (a.type !== b.type || a.requestId || b.requestId || a.messages.length + b.messages.length > MAX_JOINED_MESSAGES)) return false;
  if (b) target['messages.upsert'] = a ? { ...a, messages: [...a.messages, ...b.messages] } : b;
  for (const key of JOINED_LISTS) {
    const more = next[key];
    if (more) target[key] = [...(target[key] ?? []), ...more] as never;
  }
  return true;
}
