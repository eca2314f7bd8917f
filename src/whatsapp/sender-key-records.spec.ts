import { isDeepStrictEqual } from 'node:util';
import { randomBytes } from 'node:crypto';
import { BufferJSON } from '@whiskeysockets/baileys';
import { GroupCipher, GroupSessionBuilder, SenderKeyDistributionMessage, SenderKeyName, SenderKeyRecord, SenderMessageKey } from '@whiskeysockets/baileys/lib/Signal/Group/index.js';
import { useNativeCurve } from './native-curve.js';
import { deserializeSenderKeyRecord, reviveBuffers, useFastSenderKeyRecords } from './sender-key-records.js';
import { senderKeyStore as store } from '../../test/support/sender-key-store.js';

/** A record as Baileys stores it (a Buffer and `{ type: 'Buffer', data }` write the same). */
const stored = (record: SenderKeyRecord) => JSON.stringify(record.serialize());
/** Baileys' own parse (its `deserialize` with the reviver), whatever is installed. */
const baileysParse = (data: Uint8Array) => new SenderKeyRecord(JSON.parse(Buffer.from(data).toString('utf-8'), BufferJSON.reviver));

describe('sender-key records parsed without a reviver', () => {
  beforeAll(() => useNativeCurve(true));
  afterAll(() => useFastSenderKeyRecords(true));

  it('gives the record Baileys gives: several states, skipped message keys, bytes as arrays or base64', () => {
    const record = new SenderKeyRecord();
    for (let id = 1; id <= 6; id++) record.addSenderKeyState(id, id * 7, randomBytes(32), randomBytes(33));
    const state = record.getSenderKeyState()!;
    for (let i = 0; i < 30; i++) state.addSenderMessageKey(new SenderMessageKey(100 + i, randomBytes(32)));
    const asArrays = Buffer.from(JSON.stringify(record.serialize()), 'utf8');
    const asBase64 = Buffer.from(JSON.stringify(record.serialize(), BufferJSON.replacer), 'utf8');
    for (const bytes of [asArrays, asBase64]) {
      const fast = deserializeSenderKeyRecord(bytes);
      expect(stored(fast)).toBe(stored(baileysParse(bytes)));
      expect(fast.getSenderKeyState(2)).toBeDefined();
      expect(fast.getSenderKeyState(1)).toBeUndefined();
      expect(fast.getSenderKeyState()!.getSenderChainKey().getSeed()).toEqual(state.getSenderChainKey().getSeed());
    }
  });

  it("applies the reviver's rule everywhere, as JSON.parse would, and reads JSON.stringify's Buffers too", () => {
    const text = JSON.stringify({ a: { type: 'Buffer', data: 'AQID' }, b: { 0: 4, 1: 5 }, c: [{ 0: 6 }, { 0: 'x' }, {}], e: null, f: 'text', g: [1, 2] });
    expect(isDeepStrictEqual(reviveBuffers(JSON.parse(text)), JSON.parse(text, BufferJSON.reviver))).toBe(true);
    expect(reviveBuffers(JSON.parse(JSON.stringify({ d: Buffer.from([7, 8]) })))).toEqual({ d: Buffer.from([7, 8]) });
    expect(reviveBuffers(JSON.parse('{"d":{"type":"Buffer","data":[1,"x"]}}'))).toEqual({ d: { type: 'Buffer', data: [1, 'x'] } });
  });

  it('is what a member decrypts group messages with, in order and after skipped ones (which Baileys\' own parse cannot)', async () => {
    useFastSenderKeyRecords(true);
    const name = new SenderKeyName('120363000000000002@g.us', { id: '222', deviceId: 0, toString: () => '222.0' });
    const sender = store();
    const member = store();
    const skdm = await new GroupSessionBuilder(sender).create(name);
    await new GroupSessionBuilder(member).process(name, new SenderKeyDistributionMessage(null, null, null, null, skdm.serialize()));
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) sent.push(await new GroupCipher(sender, name).encrypt(Buffer.from(`m${i}`)));
    // Out of order: the later ones first (skipped keys kept in the record), then the rest.
    const order = [0, 1, 5, 2, 3, 4, 11, 6, 7, 8, 9, 10];
    for (const i of order) expect(Buffer.from(await new GroupCipher(member, name).decrypt(sent[i]!)).toString()).toBe(`m${i}`);
    // Baileys' own parse of what was stored reads the same record.
    const saved = member.records.get(name.toString())!;
    expect(stored(deserializeSenderKeyRecord(saved))).toBe(stored(baileysParse(saved)));

    // With Baileys' own parse, a skipped message key comes back as a plain object: libsignal refuses it.
    useFastSenderKeyRecords(false);
    const late = [await new GroupCipher(sender, name).encrypt(Buffer.from('late 0')), await new GroupCipher(sender, name).encrypt(Buffer.from('late 1'))];
    expect(Buffer.from(await new GroupCipher(member, name).decrypt(late[1]!)).toString()).toBe('late 1');
    await expect(new GroupCipher(member, name).decrypt(late[0]!)).rejects.toThrow('Expected Buffer');
  });
});
