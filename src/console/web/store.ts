/**
 * The tenant's sessions as the console knows them: loaded over REST, kept current by Socket.io
 * events (both seed 002 envelopes and seed 004 compatibility events feed the same records).
 */
import { useEffect, useState } from 'preact/hooks';

export type SessionStatus = 'init' | 'qr_required' | 'connecting' | 'connected' | 'disconnected' | 'expired' | 'logged_out' | 'error';

export interface Pacing {
  minIntervalMs: number;
  maxIntervalMs: number;
  typing: boolean;
}

export interface Session {
  id: string;
  status: SessionStatus;
  phone: string | null;
  deviceName: string | null;
  accountType: 'personal' | 'business' | null;
  qr: string | null;
  qrExpiresAt: string | null;
  disconnectedReason: string | null;
  /** The session's own proxy as `scheme://host:port` (never its credentials), or null. */
  proxy?: string | null;
  createdAt: string;
  /** Paced sends (PATCH sessions/:id); null or absent: sends go at once. */
  pacing?: Pacing | null;
  lastError?: string | null;
}

class Store {
  sessions = new Map<string, Session>();
  live = false;
  private listeners = new Set<() => void>();
  /**
   * Sessions deleted from this page. An event or a list answered before the deletion can arrive
   * after it (the delete of a stopped session connects it to unlink the device, and its status
   * events make the page reload the list); none of them brings the card back. Ids are UUIDs,
   * never reused.
   */
  private readonly deleted = new Set<string>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    this.listeners.forEach((l) => l());
  }

  replaceAll(sessions: Session[]): void {
    this.sessions = new Map(sessions.filter((s) => !this.deleted.has(s.id)).map((s) => [s.id, s]));
    this.changed();
  }

  patch(id: string, patch: Partial<Session>): void {
    if (this.deleted.has(id)) return;
    const before = this.sessions.get(id);
    const base: Session = before ?? {
      id, status: 'init', phone: null, deviceName: null, accountType: null, qr: null, qrExpiresAt: null,
      disconnectedReason: null, createdAt: new Date().toISOString(),
    };
    this.sessions = new Map(this.sessions).set(id, { ...base, ...patch });
    this.changed();
  }

  remove(id: string): void {
    this.deleted.add(id);
    if (!this.sessions.has(id)) return;
    this.sessions = new Map(this.sessions);
    this.sessions.delete(id);
    this.changed();
  }

  setLive(live: boolean): void {
    this.live = live;
    this.changed();
  }

  clear(): void {
    this.sessions = new Map();
    this.changed();
  }
}

export const store = new Store();

/** Re-renders on every store change. */
export function useStore(): Store {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((n) => n + 1)), []);
  return store;
}
