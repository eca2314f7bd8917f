/** The /groups API (CONTRACT Part 3 "Groups") as the console calls it: always for one session (`?sessionId=`). */
import { api } from './api.js';
import type { Page } from './chats-api.js';

export type GroupRole = 'admin' | 'superadmin' | null;

export interface Participant {
  jid: string;
  pnJid: string | null;
  lidJid: string | null;
  phone: string | null;
  admin: GroupRole;
}

export interface Group {
  jid: string;
  subject: string;
  description: string | null;
  owner: string | null;
  createdAt: string | null;
  size: number;
  announce: boolean;
  restrict: boolean;
  iAmAdmin: boolean;
  /** Only in a read of one group and in `session.groups.upsert`. */
  participants?: Participant[];
}

export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote';

export interface ParticipantResult {
  jid: string;
  phone: string | null;
  /** WhatsApp's code: 200 done, 403 refused, 404 not a member / not on WhatsApp, 408 just left, 409 already a member. */
  status: number;
}

const q = (sessionId: string, extra: Record<string, string> = {}): string => new URLSearchParams({ sessionId, ...extra }).toString();
const group = (jid: string): string => `groups/${encodeURIComponent(jid)}`;

export function listGroups(sessionId: string): Promise<Page<Group>> {
  return api('GET', `groups?${q(sessionId, { limit: '100' })}`);
}

export function getGroup(sessionId: string, jid: string): Promise<Group> {
  return api('GET', `${group(jid)}?${q(sessionId)}`);
}

export function createGroup(sessionId: string, subject: string, participants: string[]): Promise<Group> {
  return api('POST', `groups?${q(sessionId)}`, { subject, participants });
}

export function changeParticipants(sessionId: string, jid: string, action: ParticipantAction, participants: string[]): Promise<{ data: ParticipantResult[] }> {
  return api('POST', `${group(jid)}/participants?${q(sessionId)}`, { action, participants });
}
