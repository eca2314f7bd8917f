/**
 * Group half of the simulator benchmark: one real Baileys session in a group of `--group-members`
 * simulated members (default 1000), the members writing to it with sender keys.
 *
 *   npm run bench:simulator -- --group-members 1000 [--group-messages 5000]
 *
 * The simulator runs in a child process (its RSS is its own); the session in this one counts the
 * group messages it decrypted (`messages.upsert`). Two phases: every member's first message (the
 * SKDM as a pkmsg, then the skmsg: a new Signal session per member on the session's side), then
 * `--group-messages` messages round-robin from the members (skmsg only). Prints messages/s into
 * the session for each phase and the simulator's RSS. Both processes use the product's native
 * XEdDSA (src/whatsapp/native-curve.ts), as the sandbox app does: the pure-JS curve25519-js that
 * libsignal ships costs ~10 ms per signature on a shared machine.
 */
import { fork } from 'node:child_process';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

type Op = { op: 'scan'; qr: string; phoneNumber: string } | { op: 'group'; session: string; members: number } | { op: 'burst'; count: number; offset: number } | { op: 'stats' } | { op: 'stop' };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const MEMBER_BASE = 1_777_000_000_000;
const BATCH = 20;

async function runGroupChild(): Promise<void> {
  // As in the sandbox app, where the simulator shares the product's process: native XEdDSA.
  (await import('../src/whatsapp/native-curve.js')).useNativeCurve(true);
  const { WhatsAppSimulator } = await import('../src/simulator/index.js');
  const sim = await WhatsAppSimulator.start({ initialPreKeyCount: 50, autoReceipts: false, media: false });
  let jid = '';
  let members: string[] = [];
  const handle = async (req: Op): Promise<unknown> => {
    switch (req.op) {
      case 'scan':
        return sim.scanQr(req.qr, { phoneNumber: req.phoneNumber });
      case 'group': {
        members = Array.from({ length: req.members }, (_, i) => String(MEMBER_BASE + i));
        for (const [i, m] of members.entries()) {
          sim.contact(m);
          if (i % 20 === 0) await yieldToIo();
        }
        jid = `${sim.groups.create(members[0]!, 'Bench', [...members.slice(1), req.session]).group.id}@g.us`;
        return jid;
      }
      case 'burst': {
        // Members write round-robin, in batches that let the sockets' I/O (pings, receipts) through.
        for (let start = 0; start < req.count; start += BATCH) {
          const sends: Promise<string>[] = [];
          for (let i = start; i < Math.min(req.count, start + BATCH); i++) sends.push(sim.groups.members.send(members[(req.offset + i) % members.length]!, jid, { text: `bench ${req.offset + i}` }));
          await Promise.all(sends);
          await yieldToIo();
        }
        return req.count;
      }
      case 'stats': {
        (globalThis as { gc?: () => void }).gc?.();
        return process.memoryUsage().rss;
      }
      case 'stop':
        await sim.stop();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on('message', (req: Op & { id: number }) => {
    handle(req).then(
      (value) => process.send!({ id: req.id, ok: true, value } satisfies Reply),
      (err: unknown) => process.send!({ id: req.id, ok: false, error: String(err) } satisfies Reply),
    );
  });
  // The parent died (a failed run): do not linger.
  process.on('disconnect', () => process.exit(1));
  process.send!({ id: 0, ok: true, value: sim.url });
}

export async function runGroupBench(memberCount: number, messages: number): Promise<Record<string, unknown>> {
  // The session verifies every skmsg signature: natively, as the product's sessions do (which
  // trust the simulator's certificate root in sandbox mode).
  (await import('../src/whatsapp/native-curve.js')).useNativeCurve(true);
  const { SIMULATOR_ROOT_KEY } = await import('../src/simulator/index.js');
  (await import('../src/whatsapp/noise-trust.js')).trustNoiseRoot(SIMULATOR_ROOT_KEY.public);
  const { TestClient, connectAndWaitForOpen } = await import('../src/simulator/testing/index.js');
  const child = fork(fileURLToPath(import.meta.url), ['--group-child'], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.ok) p?.resolve(r.value);
    else p?.reject(new Error(r.error));
  });
  let nextId = 1;
  const call = <T>(req: Op, id = nextId++): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: (v) => resolve(v as T), reject });
      if (id !== 0) child.send({ ...req, id });
    });
  const url = await call<string>({ op: 'stats' }, 0);
  const phoneNumber = '1888000000002';
  const pairing = new TestClient(url, { config: { qrTimeout: 60_000 } });
  const qr = await pairing.waitForQr(1, 60_000);
  await call({ op: 'scan', qr, phoneNumber });
  if ((await pairing.waitForClose(60_000)) !== 515) throw new Error('the session did not pair');
  await pairing.end();
  // The group is made while the session is away (making 1,000 contacts' keys takes a while): it
  // learns it from the dirty bit at login.
  const rssBefore = await call<number>({ op: 'stats' });
  const jid = await call<string>({ op: 'group', session: phoneNumber, members: memberCount });
  const client = await connectAndWaitForOpen(url, pairing.auth, {}, 120_000);
  await client.waitForEvent('groups.update', (list) => list.some((g) => g.id === jid), 120_000);

  let received = 0;
  let failed = 0;
  let target = 0;
  let reached: (() => void) | undefined;
  client.sock.ev.on('messages.upsert', ({ messages: list }) => {
    for (const m of list) {
      if (m.key.remoteJid !== jid) continue;
      if (m.messageStubType === 2) failed++;
      else if (m.message) received++;
    }
    if (received + failed >= target) reached?.();
  });
  const phase = async (count: number, offset: number): Promise<{ messages: number; ms: number; perSecond: number }> => {
    const started = performance.now();
    target = received + failed + count;
    const done = new Promise<void>((resolve) => (reached = resolve));
    await call({ op: 'burst', count, offset });
    await done;
    const ms = performance.now() - started;
    return { messages: count, ms: Math.round(ms), perSecond: Math.round((count * 1000) / ms) };
  };
  const firstMessages = await phase(memberCount, 0);
  const steady = await phase(messages, memberCount);
  const rssAfter = await call<number>({ op: 'stats' });
  await client.end();
  await call({ op: 'stop' }).catch(() => undefined);
  const mb = (n: number): number => +(n / 2 ** 20).toFixed(1);
  return {
    groupMembers: memberCount,
    firstMessagesWithSkdm: firstMessages,
    steadySkmsgOnly: steady,
    undecrypted: failed,
    simulator: { rssBeforeGroupMB: mb(rssBefore), rssAfterMB: mb(rssAfter) },
  };
}

if (process.argv.includes('--group-child')) await runGroupChild();
