/**
 * The simulator's server half: the WebSocket listener, every connection's login state, answers that
 * need the registry, and the shared services (resolving jids, own-phone parties). The public API is
 * `WhatsAppSimulator` (simulator.ts), which extends this class.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { jidDecode } from '@whiskeysockets/baileys';
import { installSafeTrialDecryption } from '../common/signal-trial-decryption.js';
import { node, unixSeconds, type BinaryNode } from './binary.js';
import { createCertificateChain, type CertificateChain } from './certificates.js';
import { SimConnection, type ConnectionHost } from './connection.js';
import { ContactDirectory } from './contacts.js';
import type { ResolvedOptions, ResolvedUser, SimulatorCore } from './core.js';
import { SimulatorEvents } from './events.js';
import { faultNodes } from './faults.js';
import { AccountIqs } from './account-iqs.js';
import { AppStateService } from './app-state-service.js';
import { Calls } from './calls.js';
import { ContactMessages } from './contact-actions.js';
import { Inbox } from './inbox.js';
import { SimGroups } from './groups/group-service.js';
import { handleIq } from './iq-handlers.js';
import type { MediaHost } from './media-host.js';
import { RetryRequests } from './retry.js';
import { silentLogger } from './logger.js';
import { Messaging } from './messaging.js';
import { newRef } from './pairing.js';
import { isLinkCodeIq, PairingCodes } from './pairing-code.js';
import { PhoneSync } from './phone-sync.js';
import { DeviceRegistry, type AccountRecord, type SimulatorState } from './registry.js';
import { SignalParty } from './signal-party.js';
import type { CloseReason, SimLogger, SimulatorOptions } from './types.js';

interface PendingReply {
  resolve(node: BinaryNode): void;
  reject(err: Error): void;
}

/** Server side: connections, login state and the services the simulator parts share. */
export class SimulatorServer implements ConnectionHost, SimulatorCore {
  readonly events = new SimulatorEvents();
  readonly registry = new DeviceRegistry();
  readonly contacts: ContactDirectory;
  readonly options: ResolvedOptions;
  readonly logger: SimLogger;
  readonly certificates: CertificateChain;
  protected readonly messaging: Messaging;
  readonly appState: AppStateService;
  protected readonly phoneSync: PhoneSync;
  protected readonly pairingCodes = new PairingCodes((phoneNumber) => this.events.emit('pairingCodeRequested', { phoneNumber }));
  readonly retries: RetryRequests;
  readonly groups: SimGroups;
  readonly accountIqs: AccountIqs;
  readonly calls: Calls;
  protected readonly inbox: Inbox;
  protected readonly contactMessages: ContactMessages;
  mediaHost: MediaHost | undefined;
  protected wss: WebSocketServer | undefined;
  protected readonly all = new Set<SimConnection>();
  protected readonly loggedIn = new Map<string, Set<SimConnection>>();
  /** Logins of a device while another socket of that device was still logged in, by `phone:device`. */
  protected readonly overlapping = new Map<string, number>();
  protected readonly refIndex = new Map<string, SimConnection>();
  protected readonly pendingReplies = new Map<string, PendingReply>();
  protected readonly phones = new Map<string, SignalParty>();
  protected port = 0;

  protected constructor(opts: SimulatorOptions, state: SimulatorState | undefined) {
    // The contacts' phones keep the sessions a failed trial decryption touched, as real phones do.
    installSafeTrialDecryption();
    this.logger = opts.logger ?? silentLogger;
    const auto = opts.autoReceipts ?? true;
    this.options = {
      qrRefCount: opts.qrRefCount ?? 6,
      autoReceipts:
        auto === false
          ? false
          : {
              deliveredAfterMs: auto === true ? 150 : (auto.deliveredAfterMs ?? 150),
              readAfterMs: auto === true ? 300 : (auto.readAfterMs ?? 300),
            },
      autoCreateContacts: opts.autoCreateContacts ?? true,
      historySync: opts.historySync ?? 'first-login',
      offlineQueue: opts.offlineQueue ?? true,
      redeliverUnacked: opts.redeliverUnacked ?? false,
      encryptOwnPhone: opts.encryptOwnPhone ?? false,
      maxRecordedMessagesPerSession: opts.maxRecordedMessagesPerSession ?? 1000,
      initialPreKeyCount: opts.initialPreKeyCount ?? 0,
    };
    if (state) this.registry.load(state);
    this.certificates = createCertificateChain(opts.rootKey, { uncertifiedStaticKey: opts.uncertifiedStaticKey });
    this.messaging = new Messaging(this);
    this.appState = new AppStateService(this);
    this.retries = new RetryRequests(this.events);
    this.accountIqs = new AccountIqs(this);
    this.calls = new Calls(this);
    this.inbox = new Inbox(this);
    this.contactMessages = new ContactMessages(this, this.messaging);
    this.contacts = new ContactDirectory(this.registry, {
      sendText: (contact, to, text, o) => this.messaging.sendText(contact, to, text, o),
      sendPresence: (contact, to, presence) => {
        this.accountIqs.notePresence(contact, presence);
        this.messaging.sendPresence(contact, to, presence);
      },
      messages: this.contactMessages,
      failNextDecrypt: (contact, to) => this.retries.failNext(contact.phoneNumber, to),
      garbleNext: (contact, to, count) => this.retries.garbleNext(contact.phoneNumber, to, count),
    });
    this.phoneSync = new PhoneSync(this, this.appState);
    this.groups = new SimGroups(this, this.messaging, this.contactMessages);
  }

  protected listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws/chat', perMessageDeflate: false, clientTracking: false });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        wss.on('error', (err) => this.logger.error({ err }, 'simulator server error'));
        this.port = (wss.address() as AddressInfo).port;
        resolve();
      });
      wss.on('connection', (ws) => {
        this.all.add(new SimConnection(ws, this));
      });
      this.wss = wss;
    });
  }

  /** `ws://127.0.0.1:<port>/ws/chat`: pass as Baileys' `waWebSocketUrl`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws/chat`;
  }

  /** Root public key of the simulator's certificate chain (see WA_CERT_DETAILS.PUBLIC_KEY). */
  get rootPublicKey(): Buffer {
    return this.certificates.root.public;
  }

  get staticKey(): { private: Buffer; public: Buffer } {
    return this.certificates.serverStatic;
  }

  get certChain(): Buffer {
    return this.certificates.encoded;
  }

  /** Number of open WebSocket connections (registering and logged in). */
  get connectionCount(): number {
    return this.all.size;
  }

  // ------------------------------------------------------------------ connection host

  onRegistration(conn: SimConnection): void {
    const refs = Array.from({ length: this.options.qrRefCount }, () => newRef());
    conn.refs = refs;
    for (const ref of refs) this.refIndex.set(ref, conn);
    const iqId = randomBytes(4).toString('hex');
    conn.send(node('iq', { from: 's.whatsapp.net', type: 'set', xmlns: 'md', id: iqId }, [node('pair-device', {}, refs.map((r) => node('ref', {}, Buffer.from(r))))]));
    this.events.emit('qr', { refs });
  }

  onLogin(conn: SimConnection, username: string, deviceId: number): void {
    const device = this.registry.getDevice(username, deviceId);
    const account = this.registry.accounts.get(username);
    if (!device || !account || !conn.clientStatic || !device.noiseKey.equals(conn.clientStatic)) {
      this.events.emit('loginRejected', { phoneNumber: username, deviceId });
      conn.endWith(faultNodes.failure(401), 'failure');
      return;
    }
    for (const other of this.connectionsOf(username)) {
      if (other.device !== device) continue;
      // Two live sockets for one device: the real server replaces the older one (440).
      const key = `${username}:${deviceId}`;
      this.overlapping.set(key, (this.overlapping.get(key) ?? 0) + 1);
      other.endWith(faultNodes.replaced(), 'fault');
    }
    conn.device = device;
    let set = this.loggedIn.get(username);
    if (!set) this.loggedIn.set(username, (set = new Set()));
    set.add(conn);
    conn.send(node('success', { t: unixSeconds(), lid: `${account.lid}:${deviceId}@lid`, props: '0', creation: unixSeconds(device.pairedAt) }));
    this.events.emit('loggedIn', { phoneNumber: username, deviceId });
  }

  onNode(conn: SimConnection, n: BinaryNode): void {
    switch (n.tag) {
      case 'iq': {
        if (n.attrs.type === 'result' || n.attrs.type === 'error') {
          const key = `${conn.id}|${n.attrs.id}`;
          const pending = this.pendingReplies.get(key);
          if (pending) {
            this.pendingReplies.delete(key);
            pending.resolve(n);
          }
          return;
        }
        if (!conn.device && isLinkCodeIq(n)) this.pairingCodes.handleIq(conn, n);
        else if (conn.device || n.attrs.xmlns === 'w:p') handleIq(this, conn, n);
        return;
      }
      case 'message':
        if (!conn.device) return;
        conn.chain = conn.chain
          .then(() => this.messaging.handleOutbound(conn, n))
          .catch((err: unknown) => this.logger.error({ err }, 'simulator failed to handle a message from the session'));
        return;
      case 'receipt':
        this.messaging.handleSessionReceipt(conn, n);
        return;
      case 'ack':
        if (n.attrs.class === 'receipt' && n.attrs.type === 'retry') this.retries.onAnswered(conn, n);
        return;
      case 'chatstate':
      case 'presence':
        if (n.attrs.type === 'subscribe' && conn.device) this.accountIqs.subscribe(conn, n);
        else this.inbox.recordPresence(conn, n);
        return;
      case 'call':
        if (conn.device) this.calls.handleSessionCall(conn, n);
        return;
      default:
        // ack, presence, chatstate, ib (unified_session, offline_batch), notification, call: nothing to answer.
        return;
    }
  }

  onClose(conn: SimConnection, reason: CloseReason): void {
    this.all.delete(conn);
    this.pairingCodes.onClose(conn);
    for (const ref of conn.refs ?? []) this.refIndex.delete(ref);
    for (const [key, pending] of this.pendingReplies) {
      if (key.startsWith(`${conn.id}|`)) {
        this.pendingReplies.delete(key);
        pending.reject(new Error('connection closed before the client answered'));
      }
    }
    const device = conn.device;
    if (device) {
      const set = this.loggedIn.get(device.phoneNumber);
      set?.delete(conn);
      if (set && set.size === 0) this.loggedIn.delete(device.phoneNumber);
      this.messaging.requeueUnacked(device);
    }
    this.events.emit('closed', { phoneNumber: device?.phoneNumber, deviceId: device?.deviceId, reason });
  }

  // ------------------------------------------------------------------ core services

  phoneParty(account: AccountRecord): SignalParty {
    let party = this.phones.get(account.phoneNumber);
    if (!party) this.phones.set(account.phoneNumber, (party = new SignalParty(account.keys)));
    return party;
  }

  resolveUser(jid: string, create: boolean): ResolvedUser | undefined {
    const decoded = jidDecode(jid);
    if (!decoded?.user) return undefined;
    if (decoded.server === 'lid') {
      const account = this.registry.accountByLid(decoded.user);
      if (account) return { kind: 'account', account };
      const contact = this.contacts.byLidUser(decoded.user);
      return contact ? { kind: 'contact', contact } : undefined;
    }
    if (decoded.server !== 's.whatsapp.net') return undefined;
    const account = this.registry.accounts.get(decoded.user);
    if (account) return { kind: 'account', account };
    const contact = this.contacts.byPhoneNumber(decoded.user) ?? (create && /^\d{5,20}$/.test(decoded.user) ? this.contacts.getOrCreate(decoded.user) : undefined);
    return contact ? { kind: 'contact', contact } : undefined;
  }

  connectionsOf(phoneNumber: string): SimConnection[] {
    return [...(this.loggedIn.get(phoneNumber) ?? [])];
  }

  onPreOpenDone(conn: SimConnection): void {
    const device = conn.device;
    if (!device || conn.offlineSent) return;
    conn.offlineSent = true;
    const delivered = this.messaging.flushOffline(conn);
    conn.send(node('ib', {}, [node('offline', { count: String(delivered) })]));
    const history = this.options.historySync;
    if (history === 'always' || (history === 'first-login' && !device.historySynced)) {
      device.historySynced = true;
      void this.phoneSync.firstLogin(conn).catch((err: unknown) => this.logger.error({ err }, 'simulator failed to send the history'));
    }
    this.events.emit('opened', { phoneNumber: device.phoneNumber, deviceId: device.deviceId });
  }

  onLogout(conn: SimConnection): void {
    const device = conn.device;
    if (!device) return;
    this.registry.removeDevice(device.phoneNumber, device.deviceId);
    this.messaging.dropOffline(device);
  }
}
