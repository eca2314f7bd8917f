/**
 * Issue 32's residual failures, on a real PostgreSQL with Baileys' own Signal repository and
 * transaction layer over our key store, and a contact played by the simulator's libsignal party.
 *
 * Baileys starts a Signal session of its own on its first send to a contact (and whenever its
 * device-list cache expires): after the device query it re-fetches the contact's prekey bundle
 * with `force` and injects it, so the answer goes out as a prekey message on the new session. A
 * message the contact wrote on the old session before it saw that answer is then tried on the new
 * session first; libsignal 6.0.0 steps that session's ratchet before it checks the MAC and keeps
 * the damage when another session decrypts the message. The contact, once it has our answer,
 * writes on the new session, and we can no longer decrypt it. The first test shows the defect on
 * bare libsignal; the second shows installSafeTrialDecryption (src/common/signal-trial-decryption.ts)
 * closing it.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Curve, DEFAULT_CONNECTION_CONFIG, addTransactionCapability, parseAndInjectE2ESessions, type BinaryNode } from '@whiskeysockets/baileys';
import { installSafeTrialDecryption } from '../../src/common/signal-trial-decryption.js';
import { SignalParty, generatePartyKeys } from '../../src/simulator/signal-party.js';
import { PostgresAuthStateRepository } from '../../src/whatsapp/postgres-auth-state.js';
import { guardSignalConsole } from '../../src/whatsapp/signal-console.js';
import { serializeSignalTransactions } from '../../src/whatsapp/signal-transactions.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

const ME = '5491100000001:3@s.whatsapp.net';
const CONTACT_PN = '5491155550002@s.whatsapp.net';
const CONTACT_LID = '184467440737096@lid';
const US = 'us_1.3';
const logger = pino({ level: 'silent' });
guardSignalConsole(logger);

describe('Trial decryption keeps the sessions it fails with (issue 32)', () => {
  let db: TestDataSource;
  let auth: PostgresAuthStateRepository;

  beforeAll(async () => {
    db = await openMigratedDataSource('signaltrial');
    auth = new PostgresAuthStateRepository(db.dataSource);
  });
  afterAll(async () => {
    installSafeTrialDecryption();
    await db?.close();
  });

  /**
   * The contact starts a session and writes; Baileys answers on a session of its own (forced
   * re-fetch of the contact's bundle, as after a device query) while the contact's last message on
   * the old session is still in flight; that message arrives; then the contact, having our answer,
   * writes on the new session. Returns what we made of each of the contact's messages.
   */
  async function crossedSessions(): Promise<{ late: string; answerAtContact: string; after: PromiseSettledResult<string> }> {
    const loaded = await auth.load(randomUUID());
    const { creds } = loaded.state;
    const keys = addTransactionCapability(loaded.state.keys, logger, DEFAULT_CONNECTION_CONFIG.transactionOpts);
    const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys }, logger);
    serializeSignalTransactions(keys, repository, logger);
    await repository.lidMapping.storeLIDPNMappings([{ lid: CONTACT_LID, pn: CONTACT_PN }]);
    const preKey = Curve.generateKeyPair();
    await keys.set({ 'pre-key': { 1: preKey } });
    const decrypt = (m: { type: 'pkmsg' | 'msg'; ciphertext: Uint8Array }) =>
      keys.transaction(async () => Buffer.from(await repository.decryptMessage({ jid: CONTACT_LID, type: m.type, ciphertext: m.ciphertext })).toString(), CONTACT_LID);

    // The contact starts the session (a prekey message), we decrypt it and receipt it.
    const contact = new SignalParty(generatePartyKeys());
    await contact.startSession(US, {
      registrationId: creds.registrationId,
      identity: Buffer.from(creds.signedIdentityKey.public),
      signedPreKey: { id: creds.signedPreKey.keyId, public: Buffer.from(creds.signedPreKey.keyPair.public), signature: Buffer.from(creds.signedPreKey.signature) },
      preKey: { id: 1, public: Buffer.from(preKey.public) },
    });
    expect(await decrypt(await contact.encrypt(US, Buffer.from('hello')))).toBe('hello');
    contact.confirmSession(US);
    // Its next message, on that session, is still on its way when we answer.
    const late = await contact.encrypt(US, Buffer.from('late'));
    expect(late.type).toBe('msg');

    // Our answer: the device query's forced re-fetch of the contact's bundle, then the encryption.
    const answer = await keys.transaction(async () => {
      const bundle = contact.bundleNode(CONTACT_LID) as unknown as BinaryNode;
      await parseAndInjectE2ESessions({ tag: 'iq', attrs: {}, content: [{ tag: 'list', attrs: {}, content: [bundle] }] }, repository);
      return repository.encryptMessage({ jid: CONTACT_PN, data: Buffer.from('answer') });
    }, ME);
    expect(answer.type).toBe('pkmsg');

    const lateText = await decrypt(late);
    const answerAtContact = (await contact.decrypt(US, answer.type, Buffer.from(answer.ciphertext))).toString();
    const after = await contact.encrypt(US, Buffer.from('after'));
    const [afterText] = await Promise.allSettled([decrypt(after)]);
    return { late: lateText, answerAtContact, after: afterText! };
  }

  it('bare libsignal: the late message damages our new session, and the contact\'s next message cannot be decrypted', async () => {
    const restore = installSafeTrialDecryption();
    restore();
    const { late, answerAtContact, after } = await crossedSessions();
    expect(late).toBe('late');
    expect(answerAtContact).toBe('answer');
    // What the soak logged: "failed to decrypt message (msg): No matching sessions found for message".
    expect(after).toMatchObject({ status: 'rejected', reason: { name: 'SessionError', message: 'No matching sessions found for message' } });
  });

  it('safe trial decryption: the late message decrypts on the old session, and the new one keeps working both ways', async () => {
    installSafeTrialDecryption();
    const { late, answerAtContact, after } = await crossedSessions();
    expect(late).toBe('late');
    expect(answerAtContact).toBe('answer');
    expect(after).toEqual({ status: 'fulfilled', value: 'after' });
  });
});
