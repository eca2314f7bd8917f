/** Baileys' `call` events as `session.call` items (CONTRACT Part 3). */
import type { WACallEvent } from '@whiskeysockets/baileys';
import type { CallSummary } from '../events/event-map.js';

/** Baileys' steps the contract names; `preaccept` is still ringing, network details are dropped. */
const STATUS: Partial<Record<WACallEvent['status'], CallSummary['status']>> = {
  offer: 'offer', ringing: 'ringing', preaccept: 'ringing', timeout: 'timeout', reject: 'reject', accept: 'accept', terminate: 'terminate',
};

const bare = (jid: string): string => jid.replace(/:\d+@/, '@');

export function callSummariesOf(calls: WACallEvent[]): CallSummary[] {
  const out: CallSummary[] = [];
  for (const c of calls) {
    const status = STATUS[c.status];
    if (!status || !c.id || !c.from) continue;
    const from = bare(c.from);
    const pn = c.callerPn ? bare(c.callerPn) : from.endsWith('@s.whatsapp.net') ? from : null;
    out.push({
      id: c.id, from, fromPhone: pn ? pn.split('@')[0]! : null, isVideo: Boolean(c.isVideo), isGroup: Boolean(c.isGroup), status,
      at: new Date(c.date instanceof Date && !Number.isNaN(c.date.getTime()) ? c.date.getTime() : Date.now()).toISOString(),
    });
  }
  return out;
}
