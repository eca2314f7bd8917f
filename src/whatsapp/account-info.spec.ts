import type { AuthenticationCreds } from '@whiskeysockets/baileys';
import { accountInfoOf } from './event-translator.js';

const creds = (c: Partial<AuthenticationCreds>): Partial<AuthenticationCreds> => c;

describe('accountInfoOf', () => {
  it('keeps a personal account personal once its push name arrives', () => {
    const info = accountInfoOf(creds({ me: { id: '5491123456789:3@s.whatsapp.net', name: 'Ana' }, platform: 'android' }));
    expect(info).toMatchObject({ phone: '5491123456789', deviceName: 'Ana', accountType: 'personal' });
  });

  it('calls an account from the Business app business, with or without a name', () => {
    expect(accountInfoOf(creds({ me: { id: '5491100000000:1@s.whatsapp.net', name: 'Tienda' }, platform: 'smba' })).accountType).toBe('business');
    expect(accountInfoOf(creds({ me: { id: '5491100000000:1@s.whatsapp.net' }, platform: 'smbi' })).accountType).toBe('business');
    expect(accountInfoOf(creds({ me: { id: '5491100000000:1@s.whatsapp.net', verifiedName: 'Tienda SA' } })).accountType).toBe('business');
  });

  it('never shows the placeholder name a pairing-code request writes', () => {
    expect(accountInfoOf(creds({ me: { id: '5491123456789@s.whatsapp.net', name: '~' } })).deviceName).toBeNull();
  });
});
