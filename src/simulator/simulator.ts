/**
 * WhatsAppSimulator: a local WhatsApp Web server that the real, unmodified Baileys connects to
 * (`makeWASocket({ waWebSocketUrl: sim.url })`). Public API for tests, benchmarks and sandbox mode.
 */
import { randomBytes } from 'node:crypto';
import type { BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import { normalizePhone, type SimContact } from './contacts.js';
import type { SimulatorEventName } from './events.js';
import type { PhoneAppStateUpdate } from './app-state-service.js';
import type { AppStateMutation } from './app-state.js';
import { faultNodes } from './faults.js';
import { validateHistoryOptions, type FixtureChat } from './history.js';
import type { ContactInbox } from './inbox.js';
import type { HeldDeliveries } from './messaging.js';
import { MediaHost, type HeldDownloads, type MediaTrust } from './media-host.js';
import { buildPairSuccess, parseQr, verifyPairDeviceSign } from './pairing.js';
import { DeviceRegistry, type SimulatorState } from './registry.js';
import { SimulatorServer } from './server.js';
import type { ProfileView } from './account-iqs.js';
import type { CallRecord, ContactOptions, PairedDevice, ScanOptions, SentMessage, SimulatorEventMap, SimulatorOptions } from './types.js';

export class WhatsAppSimulator extends SimulatorServer {
  /** Starts the server on 127.0.0.1 (port 0 = random) and resolves once it listens. */
  static async start(opts: SimulatorOptions = {}): Promise<WhatsAppSimulator> {
    const state = typeof opts.devices === 'string' ? await DeviceRegistry.readFile(opts.devices) : opts.devices;
    const sim = new WhatsAppSimulator(opts, state);
    if (opts.media !== false) sim.mediaHost = await MediaHost.start(opts.media);
    await sim.listen(opts.port ?? 0);
    return sim;
  }


  // ------------------------------------------------------------------ public API: onboarding

  /**
   * Plays the phone that scans `qr`: sends pair-success (real ADV identity, HMAC and signatures),
   * waits for the client's counter-signature, registers the device, then sends 515.
   */
  async scanQr(qr: string, opts: ScanOptions): Promise<PairedDevice> {
    const parsed = parseQr(qr);
    const conn = this.refIndex.get(parsed.ref);
    if (!conn || !conn.isOpen || !conn.registration) throw new Error('this QR ref is not pending on the simulator (expired or already used)');
    if (!conn.clientStatic?.equals(parsed.noiseKey)) throw new Error('QR noise key does not match the connection');
    if (!conn.registration.identityKey.equals(parsed.identityKey)) throw new Error('QR identity key does not match the registration');
    for (const ref of conn.refs ?? []) this.refIndex.delete(ref);
    conn.refs = undefined;
    return this.completePairing(conn, opts, parsed.identityKey, parsed.advSecret);
  }

  /**
   * Plays the phone on which the user types the pairing code the companion shows
   * (`requestPairingCode`): completes the link-code exchange, then pairs as `scanQr` does. A wrong
   * code rejects with "incorrect pairing code" and pairs nothing.
   */
  async enterPairingCode(phoneNumber: string, code: string, opts: Omit<ScanOptions, 'phoneNumber'> = {}): Promise<PairedDevice> {
    const phone = normalizePhone(phoneNumber);
    if (opts.history) validateHistoryOptions(opts.history);
    const account = this.registry.getOrCreateAccount(phone, { accountType: opts.accountType, name: opts.name, lid: opts.lid, platform: opts.platform });
    const { conn, identityKey, advSecret } = await this.pairingCodes.enter(account, code.trim().toUpperCase());
    for (const ref of conn.refs ?? []) this.refIndex.delete(ref);
    conn.refs = undefined;
    return this.completePairing(conn, { ...opts, phoneNumber: phone }, identityKey, advSecret);
  }

  /** Phone numbers whose companion asked for a pairing code and waits for it to be entered. */
  pairingCodeRequests(): string[] {
    return this.pairingCodes.waiting();
  }

  /** The number the companion showing `qr` asked a pairing code for (its QR and code share the Noise key). */
  pairingCodeRequestOf(qr: string): string | undefined {
    try {
      return this.pairingCodes.waitingFor(parseQr(qr).noiseKey);
    } catch {
      return undefined;
    }
  }

  /**
   * The tail shared by QR and pairing-code pairing: the account (push name, history fixture),
   * pair-success, the client's counter-signature, the device registration, then 515.
   */
  protected async completePairing(conn: SimConnection, opts: ScanOptions, identityKey: Buffer, advSecret: Buffer): Promise<PairedDevice> {
    const phoneNumber = normalizePhone(opts.phoneNumber);
    if (opts.history) validateHistoryOptions(opts.history);
    const account = this.registry.getOrCreateAccount(phoneNumber, { accountType: opts.accountType, name: opts.name, lid: opts.lid, platform: opts.platform });
    const pushName = opts.pushName ?? (account.accountType === 'business' && account.pushName === undefined ? account.name : undefined);
    if (pushName !== undefined && pushName !== account.pushName) await this.appState.update(account, { pushName });
    if (opts.history) this.phoneSync.setHistory(account, opts.history);
    const deviceId = account.nextDeviceId++;
    const iqId = randomBytes(4).toString('hex');
    const pair = buildPairSuccess(account, deviceId, identityKey, advSecret, iqId);
    const reply = this.waitForReply(conn, iqId, opts.timeoutMs ?? 15_000);
    conn.send(pair.node);
    const answer = await reply;
    if (answer.attrs.type !== 'result' || !verifyPairDeviceSign(answer, account, identityKey, pair.details)) {
      conn.endWith(faultNodes.streamError(401), 'fault');
      throw new Error('the client did not counter-sign the device identity correctly');
    }
    const reg = conn.registration!;
    this.registry.addDevice({
      phoneNumber,
      deviceId,
      keyIndex: pair.keyIndex,
      noiseKey: conn.clientStatic!,
      identityKey: reg.identityKey,
      registrationId: reg.registrationId,
      signedPreKey: reg.signedPreKey,
      preKeys: [],
      preKeyCount: this.options.initialPreKeyCount,
      historySynced: false,
      pairedAt: Date.now(),
    });
    const paired: PairedDevice = {
      phoneNumber,
      deviceId,
      jid: `${phoneNumber}:${deviceId}@s.whatsapp.net`,
      lid: account.lid,
      lidJid: `${account.lid}:${deviceId}@lid`,
      platform: account.platform,
      accountType: account.accountType,
      name: account.accountType === 'business' ? (account.name ?? phoneNumber) : account.name,
      pushName: account.pushName,
      keyIndex: pair.keyIndex,
    };
    this.events.emit('paired', paired);
    conn.endWith(faultNodes.restartRequired(), 'server');
    return paired;
  }

  private waitForReply(conn: SimConnection, iqId: string, timeoutMs: number): Promise<BinaryNode> {
    return new Promise((resolve, reject) => {
      const key = `${conn.id}|${iqId}`;
      const timer = setTimeout(() => {
        this.pendingReplies.delete(key);
        reject(new Error(`no answer to iq ${iqId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingReplies.set(key, {
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /** Ends the QR flow of pending registrations now (client: 408 "QR refs attempts ended"). All, or the one showing `qr`. */
  endQrRefs(qr?: string): number {
    const targets = qr ? [this.refIndex.get(parseQr(qr).ref)] : [...this.all].filter((c) => c.registration && !c.device);
    let n = 0;
    for (const conn of targets) {
      if (!conn) continue;
      for (const ref of conn.refs ?? []) this.refIndex.delete(ref);
      conn.refs = undefined;
      conn.send(faultNodes.noMoreRefs());
      n++;
    }
    return n;
  }

  // ------------------------------------------------------------------ public API: contacts & messages

  /** A simulated contact (created on first use). */
  contact(phoneNumber: string, opts: ContactOptions = {}): SimContact {
    return this.contacts.getOrCreate(normalizePhone(phoneNumber), opts);
  }

  /** What sessions of this account sent (decrypted), oldest first; all sessions without an argument. */
  sentMessages(phoneNumber?: string): SentMessage[] {
    return this.messaging.sentMessages(phoneNumber ? normalizePhone(phoneNumber) : undefined);
  }

  /** Resolves with the first sent message (already recorded or upcoming) that matches. */
  async waitForSentMessage(predicate: (m: SentMessage) => boolean, timeoutMs = 10_000): Promise<SentMessage> {
    const existing = this.messaging.sentMessages().find(predicate);
    if (existing) return existing;
    return this.events.waitFor('message', predicate, timeoutMs);
  }

  /** The contact's receipt for a message the session sent: 'delivered' (status 3) or 'read' (status 4). */
  sendReceipt(messageId: string, type: 'delivered' | 'read'): void {
    this.messaging.sendReceipt(messageId, type);
  }

  // ------------------------------------------------------------------ public API: account, profiles, calls

  /**
   * A contact that exists on WhatsApp (number checks say `exists`), with its push name, about text
   * and profile picture when given. Numbers never declared, never written to and never used are
   * not on WhatsApp.
   */
  declareContact(phoneNumber: string, opts: { pushName?: string; about?: string; picture?: Buffer } = {}): SimContact {
    const contact = this.contacts.getOrCreate(normalizePhone(phoneNumber), { pushName: opts.pushName });
    if (opts.about !== undefined) this.accountIqs.setAbout(contact.phoneNumber, opts.about);
    if (opts.picture) this.accountIqs.setPicture(contact.phoneNumber, opts.picture);
    return contact;
  }

  /** A user's (account's or contact's) about text and profile picture. */
  profileOf(phoneNumber: string): ProfileView {
    return this.accountIqs.profile(normalizePhone(phoneNumber));
  }

  /** The account's blocklist (jids as the session sent them: LIDs). */
  blocklistOf(phoneNumber: string): string[] {
    return this.accountIqs.blocklist(normalizePhone(phoneNumber));
  }

  /** The account's phone blocks (or unblocks) a contact, by its LID as WhatsApp keeps it; every device of the account is told. */
  phoneBlock(phoneNumber: string, contactPhone: string, blocked: boolean): void {
    const contact = this.contact(contactPhone);
    this.accountIqs.changeBlocklist(normalizePhone(phoneNumber), [{ jid: contact.lidJid, pn: contact.jid, block: blocked }]);
  }

  /** A contact calls the session `toPhone` (voice, or video); it rings for `ringMs` (default 45 s). Returns the call id. */
  offerCall(contactPhone: string, toPhone: string, opts: { video?: boolean; ringMs?: number } = {}): string {
    return this.calls.offer(this.contact(contactPhone), normalizePhone(toPhone), opts);
  }

  /** The caller hangs up a ringing call. */
  hangUpCall(callId: string): boolean {
    return this.calls.hangUp(callId);
  }

  /** The calls a contact placed, as it saw them (ringing, rejected, timeout, ended). */
  callsOf(contactPhone: string): CallRecord[] {
    return this.calls.callsOf(normalizePhone(contactPhone));
  }

  // ------------------------------------------------------------------ public API: the own phone

  /** Changes made on the account's phone (push name, contact names, mute, archive, pin, read), pushed live. */
  async setAppState(phoneNumber: string, update: PhoneAppStateUpdate): Promise<Record<string, number>> {
    const account = this.registry.accounts.get(normalizePhone(phoneNumber));
    if (!account) throw new Error(`no account ${phoneNumber} is known to the simulator`);
    return this.appState.update(account, update);
  }

  /** App-state mutations of the account (the phone's and the sessions' own, decoded), oldest first. */
  appStateMutations(phoneNumber: string): AppStateMutation[] {
    return this.appState.mutations(normalizePhone(phoneNumber));
  }

  /** The account's history fixture chats (with their simulated contacts), as the first login delivers them. */
  historyFixture(phoneNumber: string): FixtureChat[] {
    const account = this.registry.accounts.get(normalizePhone(phoneNumber));
    return account ? this.phoneSync.fixtureChats(account) : [];
  }

  // ------------------------------------------------------------------ public API: what contacts received

  /** What `contactPhone` received from the session `sessionPhone`, decoded (messages, receipts, presence). */
  inboxOf(contactPhone: string, sessionPhone: string): ContactInbox {
    const session = normalizePhone(sessionPhone);
    return this.inbox.view(normalizePhone(contactPhone), session, this.messaging.sentMessages(session));
  }

  /**
   * How to trust the media host: pass `fetchAgent` and `options: { dispatcher }` to `makeWASocket`,
   * and `{ options: { dispatcher } }` to `downloadMediaMessage`. Throws when the host is off.
   */
  mediaTrust(): MediaTrust {
    if (!this.mediaHost) throw new Error('the simulator media host is off');
    return this.mediaHost.trust();
  }

  // ------------------------------------------------------------------ public API: faults

  /**
   * WhatsApp's CDN drops the media of a message a contact sent (downloads answer 404, as for media
   * weeks old); the contact's phone still has it and uploads it again when the session asks
   * (`updateMediaMessage`). False when the message or its media is unknown.
   */
  expireMedia(messageId: string): boolean {
    const message = this.messaging.inboundMessage(messageId)?.message;
    const media = message && (message.imageMessage ?? message.videoMessage ?? message.audioMessage ?? message.documentMessage ?? message.stickerMessage);
    return Boolean(media?.directPath && this.mediaHost?.expire(media.directPath));
  }

  /**
   * From now on only clients announcing `version` (`a.b.c`) may log in or register; the others get
   * `<failure reason="405"/>`, as WhatsApp answers an outdated WhatsApp Web version. Null: any.
   * Connections already logged in stay.
   */
  requireClientVersion(version: string | null): void {
    this.requiredClientVersion = version ?? undefined;
  }

  /** The next `count` media downloads answer `status` (a CDN hiccup). */
  failMediaDownloads(count: number, status = 503): void {
    if (!this.mediaHost) throw new Error('the simulator media host is off');
    this.mediaHost.failDownloads(count, status);
  }

  /** Media downloads stop half-way until `release()` (see MediaHost.holdDownloads). */
  holdMediaDownloads(): HeldDownloads {
    if (!this.mediaHost) throw new Error('the simulator media host is off');
    return this.mediaHost.holdDownloads();
  }

  /** Contacts' messages are encrypted but kept back until `release()` (see Messaging.holdDeliveries). */
  holdDeliveries(): HeldDeliveries {
    return this.messaging.holdDeliveries();
  }

  /** The phone unlinks the device(s): 401 for connected ones, and later logins fail with 401. */
  removeDevice(phoneNumber: string, deviceId?: number): number {
    const phone = normalizePhone(phoneNumber);
    const devices = this.registry.devicesOf(phone).filter((d) => deviceId === undefined || d.deviceId === deviceId);
    for (const d of devices) {
      this.registry.removeDevice(phone, d.deviceId);
      this.messaging.dropOffline(d);
    }
    return this.faultTo(phone, (c) => devices.includes(c.device!), () => faultNodes.deviceRemoved());
  }

  /** Another client took over the session (440 connectionReplaced). */
  replaceConnection(phoneNumber: string): number {
    return this.faultTo(normalizePhone(phoneNumber), () => true, () => faultNodes.replaced());
  }

  /** Closes the session's connection: 'socket' (default) drops the WebSocket, 'stream-end' sends xmlstreamend. Both → 428. */
  closeConnection(phoneNumber: string, how: 'socket' | 'stream-end' = 'socket'): number {
    const conns = this.connectionsOf(normalizePhone(phoneNumber));
    for (const c of conns) {
      if (how === 'socket') c.kill('fault');
      else c.endWith(faultNodes.streamEnd(), 'fault');
    }
    return conns.length;
  }

  /** Simulates a server restart: every connection is dropped (428); devices stay registered. */
  restart(): number {
    const conns = [...this.all];
    for (const c of conns) c.kill('server');
    return conns.length;
  }

  /** `<stream:error code=N/>` (client closes with N); without a code, a bare stream error (500). */
  streamError(phoneNumber: string, code?: number): number {
    return this.faultTo(normalizePhone(phoneNumber), () => true, () => faultNodes.streamError(code));
  }

  /** `<ib><downgrade_webclient/></ib>` (411 multideviceMismatch). */
  downgrade(phoneNumber: string): number {
    return this.faultTo(normalizePhone(phoneNumber), () => true, () => faultNodes.downgrade());
  }

  /** The link goes dead: no answers (no pongs), nothing sent; the client gives up with 408. */
  stopPongs(phoneNumber: string): number {
    const conns = this.connectionsOf(normalizePhone(phoneNumber));
    for (const c of conns) c.silent = true;
    return conns.length;
  }

  private faultTo(phone: string, filter: (c: SimConnection) => boolean, make: () => BinaryNode): number {
    const conns = this.connectionsOf(phone).filter(filter);
    for (const c of conns) c.endWith(make(), 'fault');
    return conns.length;
  }

  // ------------------------------------------------------------------ public API: registry & events

  /** Paired devices, accounts and contact keys as JSON-safe data (pass back as `start({ devices })`). */
  saveDevices(): SimulatorState {
    return this.registry.toJSON();
  }

  saveDevicesToFile(path: string): Promise<void> {
    return this.registry.saveToFile(path);
  }

  /** Paired devices of an account (or of all accounts). */
  /**
   * How many times a device logged in while another of its sockets was still logged in (a double
   * login: the older socket got 440), for one number or all of them. Cluster tests expect 0.
   */
  concurrentLogins(phoneNumber?: string): number {
    const prefix = phoneNumber === undefined ? undefined : `${normalizePhone(phoneNumber)}:`;
    let total = 0;
    for (const [key, count] of this.overlapping) if (prefix === undefined || key.startsWith(prefix)) total += count;
    return total;
  }

  pairedDevices(phoneNumber?: string): PairedDevice[] {
    const devices = phoneNumber ? this.registry.devicesOf(normalizePhone(phoneNumber)) : [...this.registry.devices.values()];
    return devices.map((d) => {
      const a = this.registry.accounts.get(d.phoneNumber)!;
      return {
        phoneNumber: d.phoneNumber,
        deviceId: d.deviceId,
        jid: `${d.phoneNumber}:${d.deviceId}@s.whatsapp.net`,
        lid: a.lid,
        lidJid: `${a.lid}:${d.deviceId}@lid`,
        platform: a.platform,
        accountType: a.accountType,
        name: a.name,
        pushName: a.pushName,
        keyIndex: d.keyIndex,
      };
    });
  }

  isConnected(phoneNumber: string): boolean {
    return this.connectionsOf(normalizePhone(phoneNumber)).length > 0;
  }

  on<K extends SimulatorEventName>(event: K, listener: (payload: SimulatorEventMap[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  waitFor<K extends SimulatorEventName>(event: K, predicate?: (p: SimulatorEventMap[K]) => boolean, timeoutMs?: number): Promise<SimulatorEventMap[K]> {
    return this.events.waitFor(event, predicate, timeoutMs);
  }

  /** Closes every connection and the server. */
  async stop(): Promise<void> {
    this.messaging.stop();
    this.groups.messages.stop();
    this.calls.stop();
    for (const c of [...this.all]) c.kill('stopped');
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    await this.mediaHost?.stop();
    this.events.removeAll();
  }
}
