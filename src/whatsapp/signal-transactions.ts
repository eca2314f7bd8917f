/**
 * One Signal key-store transaction at a time per socket.
 *
 * Baileys rc14 runs every Signal operation in a key-store transaction (`addTransactionCapability`):
 * the transaction reads the records it needs, works on its own copies and writes them all back
 * when it ends. Its mutex is keyed by a label the caller picks, and the labels of two operations
 * on the same contact differ: a send holds `meId` for the whole of `relayMessage` (encryption
 * nested inside it), a decryption holds the sender's jid (`<lid>@lid`), a PN→LID migration
 * `migrate-…`, an app-state key share `meId`, the LID mapping store `lid-mapping`. libsignal's
 * storage resolves a PN address to its LID before every read and write, so a send to
 * `<pn>@s.whatsapp.net` and a decryption from `<lid>@lid` read and write the same session record
 * (`<lid>_1.0`) under two different locks. When they overlap, both read the same record and the
 * one that commits last silently undoes the other: a lost receiving step makes the contact's
 * next message fail with "No matching sessions found for message" (a new session the contact
 * started is gone), a lost sending step makes us reuse a message key the contact has already
 * used (it cannot decrypt). The slower the commit (PostgreSQL, key writes group-committed across
 * sessions), the wider that window: issue 32 measured ~5% of inbound and ~8% of outbound lost.
 *
 * The fix is at the one seam Baileys offers on that path (`makeSignalRepository` receives the
 * socket's own transaction-capable key store, the object every Baileys path uses): every
 * top-level transaction of a socket takes one mutex, whatever its label, so a transaction always
 * starts from what the previous one committed. Nested transactions join their outer one, as in
 * Baileys, and do not take it again. A socket processes its inbound messages one at a time
 * already (Baileys' message mutex), so this costs sends and decryptions of the same account
 * their overlap, nothing across accounts.
 *
 * One exception keeps it free of deadlocks: Baileys deletes the sessions of a contact's removed
 * devices while it holds its devices mutex, which a send holding our mutex may be waiting for
 * (a device-list query inside `relayMessage`). That deletion is queued behind the mutex instead
 * of awaited, so the devices mutex is released at once; a send that still read the removed
 * device's session then only leaves a record for a device that no longer exists.
 */
import { Mutex } from 'async-mutex';
import type { SignalKeyStore, SignalKeyStoreWithTransaction, SignalRepositoryWithLIDStore } from '@whiskeysockets/baileys';

export interface SignalTransactionLogger {
  warn(obj: object, msg: string): void;
}

function hasTransactions(keys: SignalKeyStore | SignalKeyStoreWithTransaction): keys is SignalKeyStoreWithTransaction {
  return 'transaction' in keys && typeof keys.transaction === 'function';
}

/**
 * Serializes the top-level transactions of one socket's key store (see above). `keys` is the
 * store Baileys hands to `makeSignalRepository`; `repository` the one made from it.
 */
export function serializeSignalTransactions(
  keys: SignalKeyStore | SignalKeyStoreWithTransaction,
  repository: SignalRepositoryWithLIDStore,
  logger: SignalTransactionLogger,
): void {
  if (!hasTransactions(keys)) return;
  const mutex = new Mutex();
  const transaction = keys.transaction.bind(keys);
  keys.transaction = <T>(work: () => Promise<T>, key: string): Promise<T> =>
    keys.isInTransaction() ? transaction(work, key) : mutex.runExclusive(() => transaction(work, key));

  const deleteSession = repository.deleteSession.bind(repository);
  repository.deleteSession = (jids) => {
    deleteSession(jids).catch((err: unknown) => logger.warn({ err, devices: jids.length }, 'could not delete the Signal sessions of removed devices'));
    return Promise.resolve();
  };
}
