/**
 * In-memory Baileys auth state (creds from `initAuthCreds()` plus a Map-backed SignalKeyStore), with
 * JSON round-tripping so a test can "restart the app" with the same credentials.
 */
import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds, type AuthenticationState, type SignalDataTypeMap } from '@whiskeysockets/baileys';

export interface MemoryAuthState {
  state: AuthenticationState;
  /** Baileys mutates `state.creds` in place; call on `creds.update` to merge partial updates explicitly. */
  saveCreds(update?: Partial<AuthenticationCreds>): void;
  /** JSON snapshot of creds and keys (BufferJSON-encoded). */
  toJSON(): string;
}

type KeyType = keyof SignalDataTypeMap;

export function createMemoryAuthState(snapshot?: string): MemoryAuthState {
  const restored = snapshot
    ? (JSON.parse(snapshot, BufferJSON.reviver) as { creds: AuthenticationCreds; keys: Record<string, Record<string, unknown>> })
    : undefined;
  const creds: AuthenticationCreds = restored?.creds ?? initAuthCreds();
  const store = new Map<KeyType, Map<string, unknown>>();
  for (const [type, entries] of Object.entries(restored?.keys ?? {})) store.set(type as KeyType, new Map(Object.entries(entries)));

  const state: AuthenticationState = {
    creds,
    keys: {
      get: async (type, ids) => {
        const bucket = store.get(type);
        const out: { [id: string]: SignalDataTypeMap[typeof type] } = {};
        for (const id of ids) {
          let value = bucket?.get(id);
          if (value === undefined) continue;
          if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
          out[id] = value as SignalDataTypeMap[typeof type];
        }
        return out;
      },
      set: async (data) => {
        for (const [type, entries] of Object.entries(data) as [KeyType, Record<string, unknown> | undefined][]) {
          if (!entries) continue;
          let bucket = store.get(type);
          if (!bucket) store.set(type, (bucket = new Map()));
          for (const [id, value] of Object.entries(entries)) {
            if (value === null || value === undefined) bucket.delete(id);
            else bucket.set(id, value);
          }
        }
      },
      clear: async () => {
        store.clear();
      },
    },
  };

  return {
    state,
    saveCreds: (update) => {
      if (update) Object.assign(creds, update);
    },
    toJSON: () => {
      const keys: Record<string, Record<string, unknown>> = {};
      for (const [type, bucket] of store) keys[type] = Object.fromEntries(bucket);
      return JSON.stringify({ creds, keys }, BufferJSON.replacer);
    },
  };
}
