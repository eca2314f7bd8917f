/**
 * App state ("syncd") as the phone and the server keep it for one account: one sync key (shared with
 * the companions as an own-phone key share), and per collection the patch log and its LT-hash state.
 * Patches are built and decoded with Baileys' own `encodeSyncdPatch` / `decodeSyncdPatch`, so MACs
 * and LT hashes are what a real client expects. Everything is JSON-safe and lives on the account
 * record, so it is persisted with the device registry.
 */
import { randomBytes } from 'node:crypto';
import { decodeSyncdPatch, encodeSyncdPatch, newLTHashState, proto, type LTHashState, type WAPatchName } from '@whiskeysockets/baileys';
import { bytes, child, childrenByTag, iqResult, node, unixSeconds, type BinaryNode } from './binary.js';

export const APP_STATE_COLLECTIONS = ['critical_block', 'critical_unblock_low', 'regular_high', 'regular_low', 'regular'] as const;
export type AppStateCollection = (typeof APP_STATE_COLLECTIONS)[number];

interface CollectionJson {
  version: number;
  hash: string;
  indexValueMap: Record<string, string>;
  /** Encoded SyncdPatch (with `version` set), base64, oldest first. */
  patches: string[];
}

/** The per-account app-state data kept on `AccountRecord.appState`. */
export interface AppStateJson {
  keyId: string;
  keyData: string;
  keyCreatedAt: number;
  collections: Partial<Record<AppStateCollection, CollectionJson>>;
}

/** One mutation as the simulator recorded it (from the phone's API or a session's own patch). */
export interface AppStateMutation {
  collection: AppStateCollection;
  index: string[];
  /** SyncActionValue as plain JSON (proto `toJSON`). */
  value: Record<string, unknown>;
  operation: 'set' | 'remove';
  version: number;
  /** 'phone' for changes made through the simulator API, 'session' for patches a session sent. */
  source: 'phone' | 'session';
  phoneNumber: string;
  deviceId?: number;
}

export interface AppStateChange {
  collection: AppStateCollection;
  index: string[];
  value: proto.ISyncActionValue;
  apiVersion: number;
  operation?: 'set' | 'remove';
}

export function newAppState(): AppStateJson {
  return { keyId: randomBytes(6).toString('base64'), keyData: randomBytes(32).toString('base64'), keyCreatedAt: Date.now(), collections: {} };
}

const isCollection = (name: string | undefined): name is AppStateCollection => APP_STATE_COLLECTIONS.includes(name as AppStateCollection);

function loadState(c: CollectionJson | undefined): LTHashState {
  if (!c) return newLTHashState();
  const indexValueMap: LTHashState['indexValueMap'] = {};
  for (const [k, v] of Object.entries(c.indexValueMap)) indexValueMap[k] = { valueMac: Buffer.from(v, 'base64') };
  return { version: c.version, hash: Buffer.from(c.hash, 'base64'), indexValueMap };
}

function storeState(state: LTHashState, patches: string[]): CollectionJson {
  const indexValueMap: Record<string, string> = {};
  for (const [k, v] of Object.entries(state.indexValueMap)) indexValueMap[k] = Buffer.from(v.valueMac).toString('base64');
  return { version: state.version, hash: Buffer.from(state.hash).toString('base64'), indexValueMap, patches };
}

/** The key share message the phone sends to a new companion (must precede the history notification). */
export function keyShareMessage(appState: AppStateJson): proto.IMessage {
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: {
        keys: [
          {
            keyId: { keyId: Buffer.from(appState.keyId, 'base64') },
            keyData: {
              keyData: Buffer.from(appState.keyData, 'base64'),
              fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] },
              timestamp: appState.keyCreatedAt,
            },
          },
        ],
      },
    },
  };
}

function keyGetter(appState: AppStateJson) {
  const data = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.from(appState.keyData, 'base64'), timestamp: appState.keyCreatedAt });
  return async (id: string) => (id === appState.keyId ? data : undefined);
}

/** Appends one mutation made on the "phone"; returns the collection's new version. */
export async function addPhoneMutation(appState: AppStateJson, change: AppStateChange): Promise<number> {
  const current = appState.collections[change.collection];
  const { patch, state } = await encodeSyncdPatch(
    {
      type: change.collection as WAPatchName,
      index: change.index,
      syncAction: change.value,
      apiVersion: change.apiVersion,
      operation: change.operation === 'remove' ? proto.SyncdMutation.SyncdOperation.REMOVE : proto.SyncdMutation.SyncdOperation.SET,
    },
    appState.keyId,
    loadState(current),
    keyGetter(appState),
  );
  // encodeSyncdPatch leaves `version` unset; without it the client numbers every patch `version + 1`.
  const encoded = proto.SyncdPatch.encode({ ...patch, version: { version: state.version } }).finish();
  appState.collections[change.collection] = storeState(state, [...(current?.patches ?? []), Buffer.from(encoded).toString('base64')]);
  return state.version;
}

/** The answer to a `w:sync:app:state` query: patches above each requested version, for EVERY collection asked. */
export async function answerSync(
  appState: AppStateJson | undefined,
  iq: BinaryNode,
  onSessionPatch: (collection: AppStateCollection, mutations: Omit<AppStateMutation, 'phoneNumber' | 'deviceId' | 'source'>[]) => void,
): Promise<BinaryNode> {
  const out: BinaryNode[] = [];
  for (const requested of childrenByTag(child(iq, 'sync'), 'collection')) {
    const name = requested.attrs.name;
    const asked = Number(requested.attrs.version ?? '0') || 0;
    if (!appState || !isCollection(name)) {
      out.push(node('collection', { name, version: String(asked) }));
      continue;
    }
    const sent = childrenByTag(child(requested, 'patches') ?? requested, 'patch');
    for (const p of sent) {
      const body = bytes(p);
      if (body) onSessionPatch(name, await applySessionPatch(appState, name, body));
    }
    const c = appState.collections[name];
    const patches = (c?.patches ?? []).slice(sent.length > 0 ? (c?.patches.length ?? 0) : asked).map((b64) => node('patch', {}, Buffer.from(b64, 'base64')));
    out.push(node('collection', { name, version: String(c?.version ?? asked) }, patches.length ? [node('patches', {}, patches)] : undefined));
  }
  return iqResult(iq, [node('sync', {}, out)]);
}

/** Decodes a session's own patch with the shared key and appends it to the log (version + 1). */
async function applySessionPatch(appState: AppStateJson, name: AppStateCollection, body: Buffer): Promise<Omit<AppStateMutation, 'phoneNumber' | 'deviceId' | 'source'>[]> {
  const current = appState.collections[name];
  const state = loadState(current);
  const version = state.version + 1;
  const patch = proto.SyncdPatch.decode(body);
  patch.version = { version };
  const mutations: Omit<AppStateMutation, 'phoneNumber' | 'deviceId' | 'source'>[] = [];
  const result = await decodeSyncdPatch(
    patch,
    name as WAPatchName,
    state,
    keyGetter(appState),
    (m) => {
      const op = patch.mutations?.[mutations.length]?.operation === proto.SyncdMutation.SyncdOperation.REMOVE ? 'remove' : 'set';
      mutations.push({ collection: name, index: m.index, value: proto.SyncActionValue.toObject(proto.SyncActionValue.fromObject(m.syncAction.value ?? {}), { longs: Number }), operation: op, version });
    },
    true,
  );
  const next: LTHashState = { version, hash: result.hash, indexValueMap: result.indexValueMap };
  const encoded = proto.SyncdPatch.encode(patch).finish();
  appState.collections[name] = storeState(next, [...(current?.patches ?? []), Buffer.from(encoded).toString('base64')]);
  return mutations;
}

/** `<notification type="server_sync">` telling the companions a collection changed (one per collection). */
export function serverSyncNotification(collection: AppStateCollection, version: number): BinaryNode {
  return node('notification', { from: 's.whatsapp.net', type: 'server_sync', id: randomBytes(8).toString('hex'), t: unixSeconds() }, [
    node('collection', { name: collection, version: String(version) }),
  ]);
}
