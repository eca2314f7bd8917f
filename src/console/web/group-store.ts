/**
 * Groups per session: the list (`GET groups`) and the groups read in full with their participants
 * (`GET groups/:jid`), kept current by `session.groups.upsert|update|participants` over Socket.io.
 * A group with no message yet has no chat: `withGroups` lists it beside the chats.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Socket } from 'socket.io-client';
import { chatStore } from './chat-store.js';
import type { Chat } from './chats-api.js';
import { getGroup, listGroups, type Group, type Participant } from './groups-api.js';
import { store } from './store.js';

interface Envelope<P> {
  sessionId: string | null;
  payload: P;
}

interface GroupUpdate {
  jid: string;
  subject?: string;
  description?: string | null;
  announce?: boolean;
  restrict?: boolean;
}

interface ParticipantsEvent {
  groupJid: string;
  action: 'add' | 'remove' | 'promote' | 'demote' | 'leave' | 'join';
  participants: Participant[];
}

const key = (sessionId: string, jid: string): string => `${sessionId} ${jid}`;
const addresses = (p: Pick<Participant, 'jid' | 'pnJid' | 'lidJid'>): string[] => [p.jid, p.pnJid, p.lidJid].filter((a): a is string => !!a);
/** The same person under any of their addresses (PN or LID). */
export const samePerson = (a: Participant, b: Participant): boolean => addresses(a).some((x) => addresses(b).includes(x));
const isMe = (sessionId: string, p: Participant): boolean => {
  const phone = store.sessions.get(sessionId)?.phone;
  return !!phone && p.phone === phone;
};

class GroupStore {
  groups = new Map<string, Group[]>();
  details = new Map<string, Group>();
  private listeners = new Set<() => void>();
  private reading = new Set<string>();
  /** Bumped by every group read or announced, so a list read that one overtook is read again. */
  private version = 0;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    this.listeners.forEach((l) => l());
  }

  group(sessionId: string, jid: string): Group | undefined {
    return this.details.get(key(sessionId, jid));
  }

  /** The participants of a group read in any session (a group's members are the same for every session in it). */
  participantsOf(jid: string): Participant[] {
    for (const [k, g] of this.details) if (k.endsWith(` ${jid}`) && g.participants) return g.participants;
    return [];
  }

  /** Reads the list; a change announced while the read runs reads it again, so an older answer never undoes it. */
  async refreshGroups(sessionId: string): Promise<void> {
    for (;;) {
      const version = this.version;
      const page = await listGroups(sessionId);
      if (version !== this.version) continue;
      this.groups = new Map(this.groups).set(sessionId, page.data);
      this.changed();
      return;
    }
  }

  async loadGroup(sessionId: string, jid: string): Promise<void> {
    this.put(sessionId, await getGroup(sessionId, jid));
  }

  /** Reads the group unless it is read already or being read (the panel and the composer both ask). */
  ensureGroup(sessionId: string, jid: string): void {
    const k = key(sessionId, jid);
    if (this.details.has(k) || this.reading.has(k)) return;
    this.reading.add(k);
    void this.loadGroup(sessionId, jid).catch(() => undefined).finally(() => this.reading.delete(k));
  }

  /** A group as read or announced in full: its details, and its entry in the list. */
  private put(sessionId: string, g: Group): void {
    this.version += 1;
    const list = this.groups.get(sessionId) ?? [];
    const { participants: _, ...summary } = g;
    this.groups = new Map(this.groups).set(sessionId, [...list.filter((x) => x.jid !== g.jid), summary]);
    if (g.participants) this.details = new Map(this.details).set(key(sessionId, g.jid), g);
    this.changed();
  }

  private patch(sessionId: string, jid: string, fn: (g: Group) => Group | null): void {
    this.version += 1;
    const list = (this.groups.get(sessionId) ?? []).map((g) => (g.jid === jid ? fn(g) : g)).filter((g): g is Group => g !== null);
    this.groups = new Map(this.groups).set(sessionId, list);
    const detail = this.details.get(key(sessionId, jid));
    if (detail) {
      const next = fn(detail);
      this.details = new Map(this.details);
      if (next) this.details.set(key(sessionId, jid), next);
      else this.details.delete(key(sessionId, jid));
    }
    this.changed();
  }

  onUpsert(sessionId: string, groups: Group[]): void {
    groups.forEach((g) => this.put(sessionId, g));
  }

  onUpdate(sessionId: string, updates: GroupUpdate[]): void {
    for (const u of updates) {
      const changes = Object.fromEntries(Object.entries(u).filter(([k, v]) => k !== 'jid' && v !== undefined && ['subject', 'description', 'announce', 'restrict'].includes(k)));
      this.patch(sessionId, u.jid, (g) => ({ ...g, ...changes }));
    }
    // A chat's name is its group's subject.
    void chatStore.refreshChats(sessionId).catch(() => undefined);
  }

  /** Participants added, removed, promoted or demoted, in place; the session itself leaving or removed forgets the group. */
  onParticipants(sessionId: string, e: ParticipantsEvent): void {
    const gone = e.action === 'remove' || e.action === 'leave';
    if (gone && e.participants.some((p) => isMe(sessionId, p))) {
      this.patch(sessionId, e.groupJid, () => null);
      return;
    }
    this.patch(sessionId, e.groupJid, (g) => {
      if (!g.participants) return g;
      let participants = g.participants;
      if (gone) participants = participants.filter((p) => !e.participants.some((x) => samePerson(p, x)));
      else if (e.action === 'add' || e.action === 'join') participants = [...participants.filter((p) => !e.participants.some((x) => samePerson(p, x))), ...e.participants];
      else participants = participants.map((p) => (e.participants.some((x) => samePerson(p, x)) ? { ...p, admin: e.action === 'promote' ? 'admin' : null } : p));
      const me = participants.find((p) => isMe(sessionId, p));
      return { ...g, participants, size: participants.length, iAmAdmin: me ? me.admin !== null : g.iAmAdmin };
    });
  }

  /** After a reconnect: the lists and the groups read in full are read again. */
  refetchAll(): void {
    for (const sessionId of this.groups.keys()) void this.refreshGroups(sessionId).catch(() => undefined);
    for (const k of this.details.keys()) {
      const [sessionId, jid] = k.split(' ');
      void this.loadGroup(sessionId, jid).catch(() => undefined);
    }
  }

  clear(): void {
    this.groups = new Map();
    this.details = new Map();
    this.changed();
  }
}

export const groupStore = new GroupStore();

export function useGroupStore(): GroupStore {
  const [, setTick] = useState(0);
  useEffect(() => groupStore.subscribe(() => setTick((n) => n + 1)), []);
  return groupStore;
}

/** The session's groups, loaded once the component shows. */
export function useSessionGroups(sessionId: string): Group[] | undefined {
  const groups = useGroupStore().groups.get(sessionId);
  useEffect(() => void groupStore.refreshGroups(sessionId).catch(() => undefined), [sessionId]);
  return groups;
}

/** One group with its participants, read when first shown (null for a chat that is not a group). */
export function useGroup(sessionId: string, jid: string): Group | null | undefined {
  const isGroup = jid.endsWith('@g.us');
  const group = useGroupStore().group(sessionId, jid);
  useEffect(() => {
    if (isGroup) groupStore.ensureGroup(sessionId, jid);
  }, [sessionId, jid]);
  return isGroup ? group : null;
}

/** The chats (the API's order: newest message first), plus the groups that have no chat yet (no message), each placed by its creation time. */
export function withGroups(chats: Chat[] | undefined, groups: Group[] | undefined): Chat[] | undefined {
  if (!chats || !groups) return chats;
  const known = new Set(chats.map((c) => c.jid));
  const extras = groups
    .filter((g) => !known.has(g.jid))
    .map((g) => {
      const row: Chat = { jid: g.jid, pnJid: null, lidJid: null, name: g.subject, isGroup: true, unreadCount: 0, lastMessage: null, lastMessageAt: null, archived: false, pinned: false, mutedUntil: null };
      return { at: g.createdAt ? Math.floor(Date.parse(g.createdAt) / 1000) : 0, row };
    })
    .sort((a, b) => b.at - a.at);
  if (extras.length === 0) return chats;
  const merged: Chat[] = [];
  let i = 0;
  for (const c of chats) {
    while (i < extras.length && extras[i].at > (c.lastMessageAt ?? 0)) merged.push(extras[i++].row);
    merged.push(c);
  }
  return [...merged, ...extras.slice(i).map((x) => x.row)];
}

/** The push names members wrote with in the loaded messages of the group, by phone (WhatsApp gives a participant no name). */
export function pushNamesIn(sessionId: string, jid: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of chatStore.conversation(sessionId, jid)?.messages ?? []) if (!m.fromMe && m.senderPhone && m.pushName) names.set(m.senderPhone, m.pushName);
  return names;
}

/** Feeds the store from the socket, and reads it again on every (re)connect. */
export function listenGroups(socket: Socket): void {
  socket.on('connect', () => groupStore.refetchAll());
  socket.on('session.groups.upsert', (e: Envelope<{ groups: Group[] }>) => {
    if (e.sessionId) groupStore.onUpsert(e.sessionId, e.payload.groups);
  });
  socket.on('session.groups.update', (e: Envelope<{ updates: GroupUpdate[] }>) => {
    if (e.sessionId) groupStore.onUpdate(e.sessionId, e.payload.updates);
  });
  socket.on('session.groups.participants', (e: Envelope<ParticipantsEvent>) => {
    if (e.sessionId) groupStore.onParticipants(e.sessionId, e.payload);
  });
}
