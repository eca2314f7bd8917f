/**
 * Baileys' group encryption (`GroupCipher.encrypt`, rc14) takes the message key one step past the
 * chain's current one, so every send leaves the skipped key in the session's own sending state, up
 * to 2,000 of them: the record grows by ~200 bytes per group message sent (~400 kB at the cap) and
 * is parsed and rewritten whole with every send. Those keys only ever serve to decrypt that
 * sender's messages, and the sender is this device, which never decrypts its own sender-key
 * messages (its other devices have their own sender keys; a retry is re-sent 1:1). The key store
 * drops them from a record that holds our sending state (the one with the signing private key)
 * once the record has grown past a few kilobytes; other members' states, whose skipped keys serve
 * their out-of-order messages, are kept as they are.
 */

/** Records below this are left alone (a state without skipped keys is ~1 kB): parsing is not free. */
export const OWN_SENDER_KEY_TRIM_BYTES = 4096;

interface StateJson {
  senderSigningKey?: { private?: unknown };
  senderMessageKeys?: unknown[];
}

const hasBytes = (v: unknown): boolean => {
  if (!v || typeof v !== 'object') return typeof v === 'string' && v.length > 0;
  const data = (v as { data?: unknown }).data;
  if (Array.isArray(data) || typeof data === 'string') return data.length > 0;
  return Object.keys(v).length > 0;
};

/** The record without our own sending state's skipped message keys; undefined when there is nothing to drop. */
export function trimOwnSenderKey(serialized: Uint8Array): Buffer | undefined {
  if (serialized.byteLength < OWN_SENDER_KEY_TRIM_BYTES) return undefined;
  let states: StateJson[];
  try {
    states = JSON.parse(Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength).toString('utf8')) as StateJson[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(states)) return undefined;
  let trimmed = false;
  for (const state of states) {
    if (state && hasBytes(state.senderSigningKey?.private) && Array.isArray(state.senderMessageKeys) && state.senderMessageKeys.length > 0) {
      state.senderMessageKeys = [];
      trimmed = true;
    }
  }
  return trimmed ? Buffer.from(JSON.stringify(states), 'utf8') : undefined;
}
