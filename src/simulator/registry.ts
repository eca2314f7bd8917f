/**
 * What the simulated server remembers between connections: accounts (a phone number with its phone's
 * identity and LID), the companion devices paired to them, and the simulated contacts' keys.
 * Serialisable to plain JSON so a test can restart the simulator with the same devices.
 */
import { randomInt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { generatePartyKeys, partyKeysFromJson, partyKeysToJson, type PartyKeys, type PartyKeysJson, type RemoteBundle } from './signal-party.js';
import type { AppStateJson } from './app-state.js';
import type { HistoryFixtureRecord } from './history.js';
import type { AccountType } from './types.js';
import type { GroupRecord } from './groups/group-store.js';

export interface AccountRecord {
  phoneNumber: string;
  lid: string;
  accountType: AccountType;
  name?: string;
  platform: string;
  /** The phone's identity: also the ADV account signature key. */
  keys: PartyKeys;
  nextDeviceId: number;
  /** The phone's push name (profile name). */
  pushName?: string;
  /** App-state key, patch logs and LT-hash states (app-state.ts). */
  appState?: AppStateJson;
  /** History fixture for first logins (history.ts). */
  history?: HistoryFixtureRecord;
}

export interface DeviceRecord {
  phoneNumber: string;
  deviceId: number;
  keyIndex: number;
  noiseKey: Buffer;
  identityKey: Buffer;
  registrationId: number;
  signedPreKey: { id: number; public: Buffer; signature: Buffer };
  /** A few of the uploaded one-time prekeys (enough for contacts to start sessions). */
  preKeys: { id: number; public: Buffer }[];
  /** How many prekeys the server claims to hold (uploaded minus handed out). */
  preKeyCount: number;
  historySynced: boolean;
  pairedAt: number;
}

export interface ContactKeysRecord {
  phoneNumber: string;
  lid: string;
  pushName?: string;
  keys: PartyKeys;
}

/** JSON form of the registry (`sim.saveDevices()` / `start({ devices })`). */
export interface SimulatorState {
  version: 1;
  accounts: (Omit<AccountRecord, 'keys'> & { keys: PartyKeysJson })[];
  devices: {
    phoneNumber: string;
    deviceId: number;
    keyIndex: number;
    noiseKey: string;
    identityKey: string;
    registrationId: number;
    signedPreKey: { id: number; public: string; signature: string };
    preKeys: [number, string][];
    preKeyCount: number;
    historySynced: boolean;
    pairedAt: number;
  }[];
  contacts: { phoneNumber: string; lid: string; pushName?: string; keys: PartyKeysJson }[];
  /** Groups (groups/group-store.ts); absent in states saved before groups existed. */
  groups?: GroupRecord[];
  /** Group sender keys the simulated parties hold, JSON by `${holder}|${senderKeyName}`. */
  senderKeys?: Record<string, string>;
}

const MAX_STORED_PREKEYS = 16;
const b64 = (b: Buffer): string => b.toString('base64');
const unb64 = (s: string): Buffer => Buffer.from(s, 'base64');

export const deviceKey = (phoneNumber: string, deviceId: number): string => `${phoneNumber}:${deviceId}`;

/** A stable-looking random LID user (15 digits, like real ones). */
export function randomLid(): string {
  return `${randomInt(10_000, 99_999)}${randomInt(10_000, 99_999)}${randomInt(10_000, 99_999)}`;
}

export class DeviceRegistry {
  readonly accounts = new Map<string, AccountRecord>();
  readonly devices = new Map<string, DeviceRecord>();
  readonly contacts = new Map<string, ContactKeysRecord>();
  /** Groups by bare id (groups/group-service.ts). */
  readonly groups = new Map<string, GroupRecord>();
  /** Sender keys loaded from a saved state; the live ones come from `senderKeysSource` (groups/group-messaging.ts). */
  senderKeys: Record<string, string> = {};
  senderKeysSource?: () => Record<string, string>;

  getOrCreateAccount(phoneNumber: string, opts: { accountType?: AccountType; name?: string; platform?: string; lid?: string }): AccountRecord {
    let account = this.accounts.get(phoneNumber);
    if (!account) {
      const accountType = opts.accountType ?? 'personal';
      account = {
        phoneNumber,
        lid: opts.lid ?? randomLid(),
        accountType,
        name: opts.name,
        platform: opts.platform ?? (accountType === 'business' ? 'smba' : 'android'),
        keys: generatePartyKeys(),
        nextDeviceId: 1,
      };
      this.accounts.set(phoneNumber, account);
    } else {
      if (opts.accountType) account.accountType = opts.accountType;
      if (opts.name !== undefined) account.name = opts.name;
      if (opts.platform) account.platform = opts.platform;
    }
    return account;
  }

  accountByLid(lid: string): AccountRecord | undefined {
    for (const a of this.accounts.values()) if (a.lid === lid) return a;
    return undefined;
  }

  addDevice(record: DeviceRecord): void {
    this.devices.set(deviceKey(record.phoneNumber, record.deviceId), record);
  }

  getDevice(phoneNumber: string, deviceId: number): DeviceRecord | undefined {
    return this.devices.get(deviceKey(phoneNumber, deviceId));
  }

  devicesOf(phoneNumber: string): DeviceRecord[] {
    return [...this.devices.values()].filter((d) => d.phoneNumber === phoneNumber);
  }

  removeDevice(phoneNumber: string, deviceId: number): boolean {
    return this.devices.delete(deviceKey(phoneNumber, deviceId));
  }

  /** Stores the prekeys of an `encrypt set` upload (keeps only a few, counts all). */
  storePreKeys(device: DeviceRecord, keys: { id: number; public: Buffer }[], signed?: DeviceRecord['signedPreKey']): void {
    for (const k of keys) {
      if (device.preKeys.length >= MAX_STORED_PREKEYS) break;
      device.preKeys.push(k);
    }
    device.preKeyCount += keys.length;
    if (signed) device.signedPreKey = signed;
  }

  /** The key bundle a contact uses to start a session with this device; consumes one prekey. */
  takeBundle(device: DeviceRecord): RemoteBundle {
    const preKey = device.preKeys.shift();
    if (preKey) device.preKeyCount = Math.max(0, device.preKeyCount - 1);
    return { registrationId: device.registrationId, identity: device.identityKey, signedPreKey: device.signedPreKey, preKey };
  }

  toJSON(): SimulatorState {
    return {
      version: 1,
      accounts: [...this.accounts.values()].map((a) => ({ ...a, keys: partyKeysToJson(a.keys) })),
      devices: [...this.devices.values()].map((d) => ({
        phoneNumber: d.phoneNumber,
        deviceId: d.deviceId,
        keyIndex: d.keyIndex,
        noiseKey: b64(d.noiseKey),
        identityKey: b64(d.identityKey),
        registrationId: d.registrationId,
        signedPreKey: { id: d.signedPreKey.id, public: b64(d.signedPreKey.public), signature: b64(d.signedPreKey.signature) },
        preKeys: d.preKeys.map((k): [number, string] => [k.id, b64(k.public)]),
        preKeyCount: d.preKeyCount,
        historySynced: d.historySynced,
        pairedAt: d.pairedAt,
      })),
      contacts: [...this.contacts.values()].map((c) => ({ phoneNumber: c.phoneNumber, lid: c.lid, pushName: c.pushName, keys: partyKeysToJson(c.keys) })),
      groups: [...this.groups.values()],
      senderKeys: this.senderKeysSource?.() ?? this.senderKeys,
    };
  }

  load(state: SimulatorState): void {
    if (state.version !== 1) throw new Error(`unsupported simulator state version ${String(state.version)}`);
    for (const a of state.accounts) this.accounts.set(a.phoneNumber, { ...a, keys: partyKeysFromJson(a.keys) });
    for (const d of state.devices) {
      this.addDevice({
        ...d,
        noiseKey: unb64(d.noiseKey),
        identityKey: unb64(d.identityKey),
        signedPreKey: { id: d.signedPreKey.id, public: unb64(d.signedPreKey.public), signature: unb64(d.signedPreKey.signature) },
        preKeys: d.preKeys.map(([id, pub]) => ({ id, public: unb64(pub) })),
      });
    }
    for (const c of state.contacts) this.contacts.set(c.phoneNumber, { ...c, keys: partyKeysFromJson(c.keys) });
    for (const g of state.groups ?? []) this.groups.set(g.id, g);
    this.senderKeys = state.senderKeys ?? {};
  }

  async saveToFile(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.toJSON(), null, 2));
  }

  static async readFile(path: string): Promise<SimulatorState> {
    return JSON.parse(await readFile(path, 'utf8')) as SimulatorState;
  }
}

export { generatePartyKeys };
