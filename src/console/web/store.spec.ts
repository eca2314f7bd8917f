/**
 * The console's session store: a session deleted from the page stays gone, whatever arrives
 * after its deletion (a status event, or a list or session read answered before it).
 */
import { describe, expect, it } from '@jest/globals';
import { store, type Session } from './store.js';

const session = (id: string): Session => ({
  id, status: 'connected', phone: '5491100000000', deviceName: null, accountType: 'personal', qr: null, qrExpiresAt: null,
  disconnectedReason: null, createdAt: new Date(0).toISOString(),
});

describe('console session store', () => {
  it('keeps a deleted session out of later events and lists, and others in', () => {
    store.replaceAll([session('a'), session('b')]);
    store.remove('a');
    store.patch('a', { status: 'logged_out' });
    expect([...store.sessions.keys()]).toEqual(['b']);
    store.replaceAll([session('a'), session('b'), session('c')]);
    expect([...store.sessions.keys()]).toEqual(['b', 'c']);
    store.patch('d', { status: 'init' });
    expect([...store.sessions.keys()]).toEqual(['b', 'c', 'd']);
  });
});
