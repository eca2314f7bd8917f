/**
 * Child-process side of bench:groups: one simulator whose contacts make groups with a session and
 * write to them with sender keys, on request ({ id, op, ... } → { id, ok, value | error }).
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { HeldDeliveries } from '../../src/simulator/messaging.js';

export type GroupSimRequest =
  | { id: number; op: 'scan'; qr: string; phoneNumber: string }
  /** `count` groups of `members` contacts (phones from `base`) and the session; answers their jids. */
  | { id: number; op: 'groups'; session: string; count: number; members: number; base: number; subject: string }
  /**
   * `count` messages, round-robin over the groups, each group's members in turn from `offset`:
   * encrypted and kept back (WhatsApp's servers do not share the app's cores); answers how many stanzas.
   */
  | { id: number; op: 'burst'; jids: string[]; members: number; base: number; count: number; offset: number }
  /** Hands the burst's stanzas over, as fast as the sockets take them; answers how many. */
  | { id: number; op: 'release' }
  /** How many group (`w:g2`) queries the sessions sent so far. */
  | { id: number; op: 'groupIqs' }
  /** How many copies of the sessions' group messages simulated members decrypted so far. */
  | { id: number; op: 'decrypted' }
  | { id: number; op: 'stop' };
export type GroupSimReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Messages in flight at once (then the sockets' I/O goes through). */
const BATCH = 50;

const { WhatsAppSimulator } = await import('../../src/simulator/simulator.js');
const { useNativeCurve } = await import('../../src/whatsapp/native-curve.js');
// The simulator signs with Baileys' Curve too: native, so that it is not what the benchmark measures.
useNativeCurve(true);
const receipts = process.env.GROUP_BENCH_RECEIPTS === 'true';
const sim = await WhatsAppSimulator.start({ port: 0, initialPreKeyCount: 0, autoReceipts: receipts ? { deliveredAfterMs: 50, readAfterMs: 500 } : false, media: false });
let held: HeldDeliveries | null = null;
let groupIqs = 0;
let decrypted = 0;
sim.on('groupIq', () => groupIqs++);
sim.on('groupMessage', (m) => (decrypted += m.decryptedBy.length));
const memberOf = (base: number, group: number, i: number): string => String(base + group * 10_000 + i);

async function handle(req: Exclude<GroupSimRequest, { op: 'stop' }>): Promise<unknown> {
  switch (req.op) {
    case 'groupIqs':
      return groupIqs;
    case 'decrypted':
      return decrypted;
    case 'scan':
      await sim.scanQr(req.qr, { phoneNumber: req.phoneNumber });
      return null;
    case 'groups': {
      const jids: string[] = [];
      for (let g = 0; g < req.count; g++) {
        const members = Array.from({ length: req.members }, (_, i) => memberOf(req.base, g, i));
        for (const [i, m] of members.entries()) {
          sim.contact(m);
          if (i % 50 === 0) await yieldToIo();
        }
        jids.push(`${sim.groups.create(members[0]!, `${req.subject} ${g + 1}`, [...members.slice(1), req.session]).group.id}@g.us`);
      }
      return jids;
    }
    case 'release': {
      const burst = held;
      held = null;
      return burst ? burst.release() : 0;
    }
    case 'burst': {
      held = sim.holdDeliveries();
      for (let start = 0; start < req.count; start += BATCH) {
        const sends: Promise<string>[] = [];
        for (let i = start; i < Math.min(req.count, start + BATCH); i++) {
          const g = i % req.jids.length;
          const member = memberOf(req.base, g, (req.offset + Math.floor(i / req.jids.length)) % req.members);
          sends.push(sim.groups.members.send(member, req.jids[g]!, { text: `bench ${req.offset + i}` }));
        }
        await Promise.all(sends);
        await yieldToIo();
      }
      return held.count;
    }
  }
}

process.on('message', (req: GroupSimRequest) => {
  if (req.op === 'stop') {
    void sim.stop().then(() => process.exit(0));
    return;
  }
  handle(req).then(
    (value) => process.send!({ id: req.id, ok: true, value } satisfies GroupSimReply),
    (err: unknown) => process.send!({ id: req.id, ok: false, error: String(err) } satisfies GroupSimReply),
  );
});
process.on('disconnect', () => process.exit(1));
process.send!({ id: 0, ok: true, value: sim.url } satisfies GroupSimReply);
