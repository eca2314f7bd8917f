/**
 * Baileys-free shapes of WhatsApp groups, and the sink a session hands its connection for them
 * (implemented by the groups module). The sink also serves the metadata Baileys reads before every
 * group send (`cachedGroupMetadata`), so a send never asks WhatsApp for it.
 */
import type { EntityManager } from 'typeorm';
import type { SessionContext } from './conversation-types.js';

export type GroupRole = 'admin' | 'superadmin' | null;

export interface WaGroupParticipant {
  /** The address WhatsApp uses in the group (a LID in a `lid` group). */
  jid: string;
  pnJid: string | null;
  lidJid: string | null;
  admin: GroupRole;
}

export interface WaGroup {
  jid: string;
  subject: string;
  description: string | null;
  owner: string | null;
  /** Unix seconds. */
  createdAt: number | null;
  size: number;
  announce: boolean;
  restrict: boolean;
  /** Disappearing messages, seconds (0: off). */
  ephemeral: number;
  addressingMode: 'pn' | 'lid';
  iAmAdmin: boolean;
  participants: WaGroupParticipant[];
}

/** A partial change WhatsApp notified (subject, description, settings). */
export interface WaGroupChange {
  jid: string;
  subject?: string;
  description?: string | null;
  announce?: boolean;
  restrict?: boolean;
  ephemeral?: number;
  actorJid: string | null;
  at: number;
}

export type ParticipantsAction = 'add' | 'remove' | 'promote' | 'demote' | 'leave' | 'join';

export interface WaParticipantsChange {
  groupJid: string;
  action: ParticipantsAction;
  participants: WaGroupParticipant[];
  actorJid: string | null;
  at: number;
  /** The session's own account is among `participants` (it joined, or left / was removed). */
  includesMe: boolean;
}

/** What one session's connection feeds into the group store, and what Baileys reads back. */
export interface GroupSink {
  /** Full metadata (a create, a join, the refresh at connect). */
  upsert(groups: WaGroup[]): Promise<void>;
  update(changes: WaGroupChange[]): Promise<void>;
  participants(change: WaParticipantsChange): Promise<void>;
  /**
   * WhatsApp's answer to the refresh at connect (every group the account is in), asked at `askedAt`:
   * a stored group missing from it, and not written since, is one the account left or was removed
   * from while offline. `own`: the account's addresses (PN and LID), to name it in the event.
   */
  reconcile(present: string[], askedAt: Date, own: readonly string[]): Promise<void>;
  /** The cached metadata of a group (memory, then Postgres); undefined when unknown. */
  cached(jid: string): Promise<WaGroup | undefined>;
}

export interface GroupStorePort {
  forSession(ctx: SessionContext): GroupSink;
  wipe(manager: EntityManager, sessionId: string): Promise<void>;
}
