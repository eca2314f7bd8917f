import type { SessionEntity } from '../sessions/session.entity.js';
import { snapshotEnvelopes } from './realtime-protocol.js';
import { handshakeCredential } from './socket-credentials.js';
import { slowConsumers } from './slow-consumer-guard.js';
import type { RealtimeSocket } from './realtime-protocol.js';

const TENANT = '9e3a5b9c-56b9-4b8d-9e2b-5c3a1f4b9a12';

describe('snapshotEnvelopes (seed 002 session.snapshot)', () => {
  const now = new Date('2026-01-01T00:05:00.000Z');

  it('sends one snapshot with session: null for a tenant without sessions', () => {
    expect(snapshotEnvelopes(TENANT, [], now)).toEqual([
      { type: 'session.snapshot', sessionId: null, eventId: expect.any(String), occurredOn: now.toISOString(), payload: { tenantId: TENANT, session: null } },
    ]);
  });

  it('sends SessionPrimitives, one per session, and nothing beyond them', () => {
    const created = new Date('2026-01-01T00:00:00.000Z');
    const row = {
      id: 'a', tenantId: TENANT, status: 'connected', phone: '549', qrDataUrl: null, qrText: 'secret-qr-text', qrExpiresAt: null,
      connectedAt: created, disconnectedAt: null, disconnectedReason: null, createdAt: created, updatedAt: created,
      deviceName: 'Phone', accountType: 'personal', whatsappUserId: '549:1@s.whatsapp.net', lastStatusCode: null, lid: 'x', platform: 'android',
    } as unknown as SessionEntity;
    const [snapshot] = snapshotEnvelopes(TENANT, [row, { ...row, id: 'b' } as SessionEntity], now);
    expect(snapshot.sessionId).toBe('a');
    expect(snapshot.payload.session).toEqual({
      id: 'a', tenantId: TENANT, status: 'connected', phone: '549', qr: null, qrExpiresAt: null, connectedAt: created.toISOString(),
      disconnectedAt: null, disconnectedReason: null, createdAt: created.toISOString(), updatedAt: created.toISOString(),
    });
    expect(snapshotEnvelopes(TENANT, [row, { ...row, id: 'b' } as SessionEntity], now).map((s) => s.sessionId)).toEqual(['a', 'b']);
    // A single node numbers nothing: the envelope has exactly seed 002's fields.
    expect(Object.keys(snapshot).sort()).toEqual(['eventId', 'occurredOn', 'payload', 'sessionId', 'type']);
  });

  it('carries each session\'s last sequence number in cluster mode (0 before its first event)', () => {
    const row = { id: 'a', tenantId: TENANT, status: 'init', createdAt: now, updatedAt: now } as unknown as SessionEntity;
    const seqs = new Map([['a', 7]]);
    expect(snapshotEnvelopes(TENANT, [row, { ...row, id: 'b' } as SessionEntity], now, seqs).map((s) => [s.sessionId, s.seq])).toEqual([['a', 7], ['b', 0]]);
    expect(snapshotEnvelopes(TENANT, [], now, seqs)[0]).not.toHaveProperty('seq');
  });
});

describe('handshakeCredential', () => {
  const hs = (auth: Record<string, unknown> | undefined, headers: Record<string, string> = {}, query: Record<string, unknown> = {}) => ({
    auth, headers, query: { EIO: '4', transport: 'websocket', ...query },
  });

  it('prefers handshake.auth.token, with or without a Bearer prefix', () => {
    expect(handshakeCredential(hs({ token: 'Bearer abc' }, { authorization: 'Bearer other' }), false)).toEqual({ kind: 'token', token: 'abc' });
    expect(handshakeCredential(hs({ token: 'abc' }), false)).toEqual({ kind: 'token', token: 'abc' });
  });

  it('passes ?accessToken=, Authorization and x-api-key to the HTTP rules, without Socket.io\'s own query fields', () => {
    expect(handshakeCredential(hs({}, {}, { accessToken: 'abc' }), false)).toEqual({
      kind: 'request', source: { headers: { authorization: undefined, 'x-api-key': undefined, 'x-user-id': undefined }, query: { accessToken: 'abc' } },
    });
    expect(handshakeCredential(hs(undefined, { authorization: 'Bearer x' }), false).kind).toBe('request');
    expect(handshakeCredential(hs(undefined, { 'x-api-key': 'k', 'x-user-id': 'u' }), false)).toMatchObject({ source: { headers: { 'x-api-key': 'k', 'x-user-id': 'u' } } });
  });

  it('counts a bare user id only in trusted mode; otherwise the socket must authenticate by event', () => {
    expect(handshakeCredential(hs(undefined, { 'x-user-id': 'u' }), false)).toEqual({ kind: 'none' });
    expect(handshakeCredential(hs(undefined, {}, { userId: 'u' }), true)).toMatchObject({ kind: 'request', source: { query: { userId: 'u' } } });
    expect(handshakeCredential(hs({}), false)).toEqual({ kind: 'none' });
  });
});

describe('slowConsumers', () => {
  it('picks the sockets whose unsent packets exceed the limit', () => {
    const socket = (id: string, queued: number) => ({ id, conn: { writeBuffer: new Array(queued) } }) as unknown as RealtimeSocket;
    const sockets = [socket('fast', 0), socket('slow', 11), socket('edge', 10)];
    expect(slowConsumers(sockets, 10).map((s) => s.id)).toEqual(['slow']);
  });
});
