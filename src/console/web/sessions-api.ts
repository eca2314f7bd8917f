/** REST calls on sessions; each keeps the store in step with the answer. */
import { api } from './api.js';
import { store, type Session } from './store.js';

export async function loadSessions(): Promise<Session[]> {
  const { data } = await api<{ data: Session[] }>('GET', 'sessions');
  store.replaceAll(data);
  return data;
}

export async function loadSession(id: string): Promise<void> {
  const { data } = await api<{ data: Session }>('GET', `sessions/${id}`);
  store.patch(id, data);
}

/** The current QR's expiry, for a QR that arrived without one (the SSE stream does not carry it). */
export async function loadQrExpiry(id: string): Promise<void> {
  const answer = await api<{ qr: string; expiresAt: string | null }>('GET', `sessions/${id}/qr`);
  store.patch(id, { qr: answer.qr, qrExpiresAt: answer.expiresAt });
}

export type SessionAction = 'stop' | 'restart' | 'logout' | 'delete';

export async function runAction(id: string, action: SessionAction): Promise<void> {
  if (action === 'delete') {
    await api('DELETE', `sessions/${id}`);
    store.remove(id);
    return;
  }
  const { data } = await api<{ data: Session }>('POST', `sessions/${id}/${action}`);
  store.patch(id, data);
}
