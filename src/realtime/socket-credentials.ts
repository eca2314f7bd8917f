/**
 * Which credential a Socket.io handshake carries (pure). In order: `auth.token` (the Socket.io
 * way), then whatever the HTTP credential rules accept from the handshake's headers and query:
 * `Authorization: Bearer`, `?accessToken=`, `x-api-key` + `x-user-id`/`?userId=`, and a bare
 * `x-user-id`/`?userId=` in trusted mode. None: the socket must send `authenticate { token }`.
 */
import type { CredentialSource } from '../auth/authentication.service.js';

export type HandshakeCredential =
  | { kind: 'token'; token: unknown }
  | { kind: 'request'; source: CredentialSource }
  | { kind: 'none' };

export interface HandshakeLike {
  auth: Record<string, unknown> | undefined;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

/** Strips an optional `Bearer ` prefix (clients often send the header value as the token). */
export function bareToken(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^Bearer\s+/i, '').trim() : value;
}

export function handshakeCredential(handshake: HandshakeLike, trustUserId: boolean): HandshakeCredential {
  const auth = handshake.auth ?? {};
  if (auth.token !== undefined && auth.token !== null) return { kind: 'token', token: bareToken(auth.token) };
  const { headers, query } = handshake;
  const present = (v: unknown): boolean => v !== undefined && v !== '';
  const carries =
    present(headers.authorization) ||
    query.accessToken !== undefined ||
    present(headers['x-api-key']) ||
    (trustUserId && (present(headers['x-user-id']) || query.userId !== undefined));
  // Only the credential fields go on: the rest of the handshake query is Socket.io's own (EIO, transport, t).
  if (!carries) return { kind: 'none' };
  const pick = (names: string[]): Record<string, unknown> =>
    Object.fromEntries(names.filter((n) => query[n] !== undefined).map((n) => [n, query[n]]));
  return {
    kind: 'request',
    source: {
      headers: {
        authorization: headers.authorization,
        'x-api-key': headers['x-api-key'],
        'x-user-id': headers['x-user-id'],
      },
      query: pick(['accessToken', 'userId']),
    },
  };
}
