/**
 * Trial decryption that leaves the sessions it fails with as they were (issue 32).
 *
 * A Signal session record holds the open session and the closed ones still needed for messages in
 * flight. To decrypt a `msg`, libsignal 6.0.0 (the library under Baileys, and under the
 * simulator's phones) tries the record's sessions one after another, most recently used first, on
 * the record's own objects. Trying a session with a message whose ratchet key it has not seen
 * steps that session's ratchet *before* the MAC check: it derives a receiving chain from the wrong
 * root, deletes its sending chain and replaces its ratchet key pair. When the MAC check then
 * fails and another session decrypts the message, the record is stored with the damaged session.
 *
 * That is what happens whenever Baileys starts a session of its own while the contact is still
 * writing on the old one (it does so on the first send to a contact and whenever its device-list
 * cache expires: `assertSessions(lids, true)` after a device query): the contact's late message
 * is tried on the new session first and damages it; our answer, already encrypted on that session,
 * reaches the contact, which switches to it and answers with a ratchet key built on the key pair
 * we no longer hold. Every message of that contact then fails ("No matching sessions found for
 * message") until a retry receipt starts yet another session. Real phones do not have the defect
 * (libsignal-protocol-java tries each previous state on a copy and promotes the one that works).
 *
 * The fix does what libsignal-protocol-java does: each trial works on a copy of the session, and
 * only the session that decrypts takes the copy's new state. It wraps
 * `SessionCipher.prototype.doDecryptWhisperMessage`, which both message types go through; nothing
 * in node_modules is edited. The wrapper checks the shape it relies on and refuses to install on
 * a libsignal that differs (the package is pinned).
 */
import libsignal from 'libsignal';

interface SessionEntryLike {
  serialize(): unknown;
}
interface SessionEntryClass {
  deserialize(data: unknown): SessionEntryLike;
}
type DoDecrypt = (this: unknown, message: Buffer, session: SessionEntryLike) => Promise<Buffer>;
interface CipherPrototype {
  doDecryptWhisperMessage: DoDecrypt;
}

const INSTALLED = Symbol.for('wa-orchestrator.signal-trial-decryption');

function prototypeOf(): CipherPrototype & { [INSTALLED]?: DoDecrypt } {
  const cipher = (libsignal as unknown as { SessionCipher?: { prototype?: unknown } }).SessionCipher;
  const proto = cipher?.prototype as (CipherPrototype & { [INSTALLED]?: DoDecrypt }) | undefined;
  if (!proto || typeof proto.doDecryptWhisperMessage !== 'function') {
    throw new Error('libsignal has no SessionCipher.prototype.doDecryptWhisperMessage: trial decryption cannot be made safe on this version');
  }
  return proto;
}

/** Replaces every own property of `target` by those of `source` (the trial copy that decrypted). */
function adoptState(target: SessionEntryLike, source: SessionEntryLike): void {
  for (const key of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[key];
  Object.assign(target, source);
}

/**
 * Makes every decryption of this process try sessions on copies (see above). Idempotent. Returns
 * a function that restores libsignal's own behaviour (for tests that show the defect).
 */
export function installSafeTrialDecryption(): () => void {
  const proto = prototypeOf();
  if (proto[INSTALLED]) return uninstall;
  const original = proto.doDecryptWhisperMessage;
  proto[INSTALLED] = original;
  proto.doDecryptWhisperMessage = async function (this: unknown, message: Buffer, session: SessionEntryLike): Promise<Buffer> {
    const Entry = session.constructor as unknown as SessionEntryClass;
    if (typeof Entry?.deserialize !== 'function' || typeof session.serialize !== 'function') {
      throw new Error('libsignal session entries cannot be copied: refusing a trial decryption that could damage them');
    }
    const trial = Entry.deserialize(session.serialize());
    const plaintext = await original.call(this, message, trial);
    adoptState(session, trial);
    return plaintext;
  };
  return uninstall;
}

function uninstall(): void {
  const proto = prototypeOf();
  const original = proto[INSTALLED];
  if (!original) return;
  proto.doDecryptWhisperMessage = original;
  delete proto[INSTALLED];
}
