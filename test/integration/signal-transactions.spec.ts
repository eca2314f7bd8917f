/**
 * Issue 32's root cause, on a real PostgreSQL with Baileys' own Signal repository and transaction
 * layer over our key store, and a contact played by the simulator's libsignal party:
 *
 * Baileys keys each key-store transaction's mutex by a label: a send holds `meId`, a decryption
 * the sender's jid. libsignal's storage resolves the contact's PN address to its LID, so a send to
 * `<pn>@s.whatsapp.net` and a decryption from `<lid>@lid` work on the same session record under
 * two locks. A decryption that is still open (our inbound journal writes its row inside it, one
 * more round trip) while a send commits then writes back the record it read before the send: the
 * send's step of the ratchet is lost, the next message reuses its message key, and the contact
 * cannot decrypt it. The first test shows the defect on bare Baileys; the others show that
 * serializeSignalTransactions (src/whatsapp/signal-transactions.ts) closes it without deadlocks.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Mutex } from 'async-mutex';
import pino from 'pino';
import { Curve, DEFAULT_CONNECTION_CONFIG, addTransactionCapability, type SignalKeyStoreWithTransaction, type SignalRepositoryWithLIDStore } from '@whiskeysockets/baileys';
import { SignalParty, generatePartyKeys } from '../../src/simulator/signal-party.js';
import { PostgresAuthStateRepository } from '../../src/whatsapp/postgres-auth-state.js';
import { guardSignalConsole } from '../../src/whatsapp/signal-console.js';
import { serializeSignalTransactions } from '../../src/whatsapp/signal-transactions.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

const ME = '5491100000001:3@s.whatsapp.net';
const CONTACT_PN = '5491155550001@s.whatsapp.net';
const CONTACT_LID = '184467440737095@lid';
/** Where the contact keeps its session with us (any stable name). */
const US = 'us_1.3';
const logger = pino({ level: 'silent' });
// libsignal prints the sessions it closes and every failed decryption to the console.
guardSignalConsole(logger);

interface Side {
  keys: SignalKeyStoreWithTransaction;
  repository: SignalRepositoryWithLIDStore;
  contact: SignalParty;
  /** Sends a text to the contact's PN jid, as relayMessage does (a transaction labelled meId). */
  send(text: string): Promise<{ type: string; ciphertext: Uint8Array }>;
}

describe('Signal key-store transactions of one socket (issue 32)', () => {
  let db: TestDataSource;
  let auth: PostgresAuthStateRepository;

  beforeAll(async () => {
    db = await openMigratedDataSource('signaltx');
    auth = new PostgresAuthStateRepository(db.dataSource);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** A paired account whose key store is ours, and a contact that started a session with it (two pkmsg, the first decrypted). */
  async function setUp(serialized: boolean): Promise<Side & { second: { type: string; ciphertext: Buffer } }> {
    const loaded = await auth.load(randomUUID());
    const { creds } = loaded.state;
    const keys = addTransactionCapability(loaded.state.keys, logger, DEFAULT_CONNECTION_CONFIG.transactionOpts);
    const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys }, logger);
    if (serialized) serializeSignalTransactions(keys, repository, logger);
    await repository.lidMapping.storeLIDPNMappings([{ lid: CONTACT_LID, pn: CONTACT_PN }]);
    const preKey = Curve.generateKeyPair();
    await keys.set({ 'pre-key': { 1: preKey } });

    const contact = new SignalParty(generatePartyKeys());
    await contact.startSession(US, {
      registrationId: creds.registrationId,
      identity: Buffer.from(creds.signedIdentityKey.public),
      signedPreKey: { id: creds.signedPreKey.keyId, public: Buffer.from(creds.signedPreKey.keyPair.public), signature: Buffer.from(creds.signedPreKey.signature) },
      preKey: { id: 1, public: Buffer.from(preKey.public) },
    });
    const first = await contact.encrypt(US, Buffer.from('first'));
    const second = await contact.encrypt(US, Buffer.from('second'));
    expect(Buffer.from(await repository.decryptMessage({ jid: CONTACT_LID, type: first.type, ciphertext: first.ciphertext })).toString()).toBe('first');
    const send = (text: string) => keys.transaction(() => repository.encryptMessage({ jid: CONTACT_PN, data: Buffer.from(text) }), ME);
    return { keys, repository, contact, send, second };
  }

  /**
   * The contact's second message is decrypted in a transaction that stays open for one more
   * database round trip (as the inbound journal's does); a send to the contact's PN jid is made
   * meanwhile. Returns what the contact makes of that send and of the next one.
   */
  async function raceSendWithDecryption(side: Side & { second: { type: string; ciphertext: Buffer } }): Promise<Array<PromiseSettledResult<string>>> {
    const { keys, repository, second } = side;
    let reached!: () => void;
    const atJournal = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const journalWritten = new Promise<void>((resolve) => (release = resolve));
    const decryption = keys.transaction(async () => {
      const plaintext = await repository.decryptMessage({ jid: CONTACT_LID, type: second.type as 'pkmsg' | 'msg', ciphertext: second.ciphertext });
      reached();
      await journalWritten;
      await db.dataSource.query('SELECT 1');
      return plaintext;
    }, CONTACT_LID);
    await atJournal;

    let sendStarted = false;
    const sending = keys.transaction(async () => {
      sendStarted = true;
      return repository.encryptMessage({ jid: CONTACT_PN, data: Buffer.from('reply A') });
    }, ME);
    // One turn of the event loop: a send that is not held back has started by then.
    await new Promise((resolve) => setImmediate(resolve));
    if (sendStarted) await sending;
    release();
    const [plain, a] = await Promise.all([decryption, sending]);
    expect(Buffer.from(plain).toString()).toBe('second');
    const b = await side.send('reply B');
    return Promise.allSettled([a, b].map(async (m) => (await side.contact.decrypt(US, m.type, Buffer.from(m.ciphertext))).toString()));
  }

  it('bare Baileys: a send that commits while a decryption of the same contact is open is undone, and the next message cannot be decrypted', async () => {
    const [a, b] = await raceSendWithDecryption(await setUp(false));
    expect(a).toEqual({ status: 'fulfilled', value: 'reply A' });
    // The second send reused the first one's message key: the error issue 32's soak logged.
    expect(b).toMatchObject({ status: 'rejected', reason: { name: 'SessionError', message: 'No matching sessions found for message' } });
  });

  it('serialized: the send waits for the decryption, and the contact decrypts everything, both ways', async () => {
    const side = await setUp(true);
    const [a, b] = await raceSendWithDecryption(side);
    expect(a).toEqual({ status: 'fulfilled', value: 'reply A' });
    expect(b).toEqual({ status: 'fulfilled', value: 'reply B' });
    // And the contact's next message still decrypts on our side (the receiving step was kept too).
    const third = await side.contact.encrypt(US, Buffer.from('third'));
    const plain = await side.repository.decryptMessage({ jid: CONTACT_LID, type: third.type, ciphertext: third.ciphertext });
    expect(Buffer.from(plain).toString()).toBe('third');
  });

  it('serialized: many sends and decryptions of the same contact at once, under PN and LID labels, lose nothing', async () => {
    const side = await setUp(true);
    const { keys, repository, contact, second } = side;
    await repository.decryptMessage({ jid: CONTACT_LID, type: second.type as 'pkmsg', ciphertext: second.ciphertext });
    const inbound = [];
    for (let i = 0; i < 20; i++) inbound.push(await contact.encrypt(US, Buffer.from(`in ${i}`)));
    const decryptions = inbound.map((m) => keys.transaction(async () => {
      const plaintext = await repository.decryptMessage({ jid: CONTACT_LID, type: m.type, ciphertext: m.ciphertext });
      await db.dataSource.query('SELECT 1');
      return Buffer.from(plaintext).toString();
    }, CONTACT_LID));
    const sends = Array.from({ length: 20 }, (_, i) => side.send(`out ${i}`));
    expect(await Promise.all(decryptions)).toEqual(inbound.map((_, i) => `in ${i}`));
    const outbound = await Promise.all(sends);
    const received = [];
    for (const m of outbound) received.push((await contact.decrypt(US, m.type, Buffer.from(m.ciphertext))).toString());
    expect(received).toEqual(outbound.map((_, i) => `out ${i}`));
  });

  it('serialized: a removed device\'s sessions are deleted without waiting, while a send waits for the mutex Baileys holds to delete them', async () => {
    const { keys, repository, send } = await setUp(true);
    await send('warm up');
    // Baileys' devices mutex: its device-notification handler holds it while deleting the removed
    // devices' sessions, and a send (inside its transaction) may wait for it to fetch a device list.
    const devicesMutex = new Mutex();
    let inSend!: () => void;
    const sendHasLock = new Promise<void>((resolve) => (inSend = resolve));
    let notificationHolds!: () => void;
    const notificationHasMutex = new Promise<void>((resolve) => (notificationHolds = resolve));
    const sending = keys.transaction(async () => {
      inSend();
      await notificationHasMutex;
      return devicesMutex.runExclusive(() => repository.encryptMessage({ jid: CONTACT_PN, data: Buffer.from('after the device list') }));
    }, ME);
    await sendHasLock;
    const notification = devicesMutex.runExclusive(async () => {
      notificationHolds();
      await repository.deleteSession([CONTACT_LID]);
    });
    await Promise.all([sending, notification]);
    // The deletion ran after the send's transaction, under the same mutex.
    await keys.transaction(async () => undefined, 'after');
    expect(await repository.validateSession(CONTACT_LID)).toEqual({ exists: false, reason: 'no session' });
  });
});
