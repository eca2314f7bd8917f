/** A sender-key store as Baileys' libsignal.js keeps one: each record serialized as JSON bytes. */
import { SenderKeyRecord, type SenderKeyName } from '@whiskeysockets/baileys/lib/Signal/Group/index.js';

export function senderKeyStore() {
  const records = new Map<string, Buffer>();
  return {
    records,
    loadSenderKey: async (name: SenderKeyName) => {
      const saved = records.get(name.toString());
      return saved ? SenderKeyRecord.deserialize(saved) : new SenderKeyRecord();
    },
    storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
      records.set(name.toString(), Buffer.from(JSON.stringify(record.serialize()), 'utf8'));
    },
  };
}
