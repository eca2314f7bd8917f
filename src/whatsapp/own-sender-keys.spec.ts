import { GroupCipher, GroupSessionBuilder, SenderKeyDistributionMessage, SenderKeyName } from '@whiskeysockets/baileys/lib/Signal/Group/index.js';
import { useNativeCurve } from './native-curve.js';
import { OWN_SENDER_KEY_TRIM_BYTES, trimOwnSenderKey } from './own-sender-keys.js';
import { senderKeyStore as store } from '../../test/support/sender-key-store.js';

describe("trimming our own sender key's skipped message keys", () => {
  const name = new SenderKeyName('120363000000000001@g.us', { id: '111', deviceId: 3, toString: () => '111.3' });
  const text = (s: string) => Buffer.from(s, 'utf8');
  // As the app signs: pure-JS signatures would make this spec slow, not different.
  beforeAll(() => useNativeCurve(true));

  it('keeps a sender that has sent many messages decryptable, and its record small', async () => {
    const me = store();
    const member = store();
    const skdm = await new GroupSessionBuilder(me).create(name);
    await new GroupSessionBuilder(member).process(name, new SenderKeyDistributionMessage(null, null, null, null, skdm.serialize()));
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) sent.push(await new GroupCipher(me, name).encrypt(text(`m${i}`)));
    const grown = me.records.get(name.toString())!;
    // Baileys' encrypt leaves one skipped key per send in our own state.
    expect(grown.byteLength).toBeGreaterThan(OWN_SENDER_KEY_TRIM_BYTES);
    const trimmed = trimOwnSenderKey(grown)!;
    expect(trimmed.byteLength).toBeLessThan(2048);
    me.records.set(name.toString(), trimmed);
    for (let i = 40; i < 45; i++) sent.push(await new GroupCipher(me, name).encrypt(text(`m${i}`)));
    // The member decrypts everything, before and after the trim, in order.
    const got: string[] = [];
    for (const m of sent) got.push(Buffer.from(await new GroupCipher(member, name).decrypt(m)).toString('utf8'));
    expect(got).toEqual(Array.from({ length: 45 }, (_, i) => `m${i}`));
  });

  it("leaves another member's state (skipped keys of messages not received yet) and small records alone", async () => {
    const them = store();
    const me = store();
    const skdm = await new GroupSessionBuilder(them).create(name);
    await new GroupSessionBuilder(me).process(name, new SenderKeyDistributionMessage(null, null, null, null, skdm.serialize()));
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) sent.push(await new GroupCipher(them, name).encrypt(text(`t${i}`)));
    // The last one arrives first: our copy of their state keeps the skipped keys for the others.
    expect(Buffer.from(await new GroupCipher(me, name).decrypt(sent[59]!)).toString('utf8')).toBe('t59');
    const theirs = me.records.get(name.toString())!;
    expect(theirs.byteLength).toBeGreaterThan(OWN_SENDER_KEY_TRIM_BYTES);
    expect(trimOwnSenderKey(theirs)).toBeUndefined();
    expect((JSON.parse(theirs.toString('utf8')) as Array<{ senderMessageKeys: unknown[] }>)[0]!.senderMessageKeys.length).toBeGreaterThanOrEqual(59);
    expect(trimOwnSenderKey(Buffer.from('[]'))).toBeUndefined();
    expect(trimOwnSenderKey(Buffer.alloc(OWN_SENDER_KEY_TRIM_BYTES, 'x'))).toBeUndefined();
  });
});
