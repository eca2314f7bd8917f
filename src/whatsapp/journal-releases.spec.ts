import { proto, type BaileysEventMap, type WAMessage } from '@whiskeysockets/baileys';
import { JournalReleases } from './journal-releases.js';

const text = (id: string): WAMessage => ({ key: { id, remoteJid: '1@s.whatsapp.net' }, message: { conversation: 'hi' } });
const history = (id: string, syncType: proto.Message.HistorySyncType, chunkOrder: number): WAMessage => ({
  key: { id, remoteJid: '1@s.whatsapp.net', fromMe: true },
  message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION, historySyncNotification: { syncType, chunkOrder } } },
});
const keyShare = (id: string): WAMessage => ({
  key: { id, remoteJid: '1@s.whatsapp.net', fromMe: true },
  message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE, appStateSyncKeyShare: { keys: [{ keyId: { keyId: new Uint8Array([1]) } }] } } },
});
const upsert = (...messages: WAMessage[]): Partial<BaileysEventMap> => ({ 'messages.upsert': { messages, type: 'notify' } });
const set = (syncType: proto.HistorySync.HistorySyncType, chunkOrder: number): Partial<BaileysEventMap> => ({
  'messaging-history.set': { chats: [], contacts: [], messages: [], syncType, chunkOrder },
});

describe('JournalReleases', () => {
  it('releases a plain message with the batch that carries it', () => {
    expect(new JournalReleases().releasable(upsert(text('A'), text('B')))).toEqual(['A', 'B']);
  });

  it('holds a history notification until its chunk is stored', () => {
    const r = new JournalReleases();
    expect(r.releasable(upsert(history('H0', proto.Message.HistorySyncType.INITIAL_BOOTSTRAP, 0), history('H2', proto.Message.HistorySyncType.RECENT, 2)))).toEqual([]);
    expect(r.releasable(set(proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP, 0))).toEqual(['H0']);
    expect(r.releasable(set(proto.HistorySync.HistorySyncType.RECENT, 2))).toEqual(['H2']);
    expect(r.releasable(set(proto.HistorySync.HistorySyncType.RECENT, 2))).toEqual([]);
  });

  it('releases every earlier notification with a merged set (Baileys keeps the last chunk order)', () => {
    const r = new JournalReleases();
    r.releasable(upsert(history('H0', proto.Message.HistorySyncType.INITIAL_BOOTSTRAP, 0), history('H1', proto.Message.HistorySyncType.PUSH_NAME, 1)));
    r.releasable(upsert(history('H2', proto.Message.HistorySyncType.RECENT, 2), history('H3', proto.Message.HistorySyncType.RECENT, 3)));
    expect(r.releasable(set(proto.HistorySync.HistorySyncType.RECENT, 2))).toEqual(['H0', 'H1', 'H2']);
    expect(r.releasable(set(proto.HistorySync.HistorySyncType.RECENT, 3))).toEqual(['H3']);
  });

  it('releases a notification and its chunk that arrive in one batch', () => {
    const r = new JournalReleases();
    expect(r.releasable({ ...upsert(history('H3', proto.Message.HistorySyncType.RECENT, 3)), ...set(proto.HistorySync.HistorySyncType.RECENT, 3) })).toEqual(['H3']);
  });

  it('releases a FULL history notification at once (it is never processed)', () => {
    expect(new JournalReleases().releasable(upsert(history('F', proto.Message.HistorySyncType.FULL, 1)))).toEqual(['F']);
  });

  it('holds an app-state key share until the new key id is saved', () => {
    const r = new JournalReleases();
    expect(r.releasable(upsert(keyShare('K')))).toEqual([]);
    expect(r.releasable({ 'creds.update': { me: { id: '1@s.whatsapp.net' } } })).toEqual([]);
    expect(r.releasable({ 'creds.update': { myAppStateKeyId: 'AQ==' } })).toEqual(['K']);
  });

  it('releases an app-state key share at once when its key id was saved first (creds updates are not buffered)', () => {
    expect(new JournalReleases().releasable(upsert(keyShare('K')), 'AQ==')).toEqual(['K']);
    expect(new JournalReleases().releasable(upsert(keyShare('K')), 'Ag==')).toEqual([]);
  });
});
