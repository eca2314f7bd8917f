/** Child-process side of SimulatorProcess: one simulator, phones that scan and contacts that send on request. */
import type { SimulatorReply, SimulatorRequest, SimulatorStats } from './simulator-process.js';

const { WhatsAppSimulator } = await import('../../src/simulator/simulator.js');
const { useNativeCurve } = await import('../../src/whatsapp/native-curve.js');
// The simulator signs with Baileys' Curve too: native, so that it is not what a benchmark measures.
useNativeCurve(true);
// initialPreKeyCount 0: every session uploads its 812 pre-keys, as with the real server.
const sim = await WhatsAppSimulator.start({ port: 0, qrRefCount: 6, initialPreKeyCount: 0 });

// What the contacts saw, for benchmarks that count losses (bench:soak).
const stats: SimulatorStats = { inbound: 0, outbound: 0, outboundDecrypted: 0, outboundUndecryptable: 0, retriesAskedBySessions: 0, retriesAnsweredByContacts: 0, retriesAskedByContacts: 0 };
const decrypted = new Set<string>();
const undecryptable = new Set<string>();
sim.on('inbound', () => stats.inbound++);
sim.on('message', (m) => {
  if (!m.toPhoneNumber) return;
  if (m.decryptedBy.includes('contact')) {
    decrypted.add(m.id);
    undecryptable.delete(m.id);
  } else if (!decrypted.has(m.id)) undecryptable.add(m.id);
  stats.outbound = decrypted.size + undecryptable.size;
  stats.outboundDecrypted = decrypted.size;
  stats.outboundUndecryptable = undecryptable.size;
});
sim.on('receipt', (r) => {
  if (r.type === 'retry') stats.retriesAskedBySessions += r.messageIds.length;
});
sim.on('inboundRetried', () => stats.retriesAnsweredByContacts++);
sim.on('retryRequested', () => stats.retriesAskedByContacts++);

process.send!({ url: sim.url });
process.on('message', (req: SimulatorRequest) => {
  if (req.op === 'stop') {
    void sim.stop().then(() => process.exit(0));
    return;
  }
  if (req.op === 'stats') {
    process.send!({ id: req.id, ok: true, stats: { ...stats } } satisfies SimulatorReply);
    return;
  }
  const work = req.op === 'scan'
    ? sim.scanQr(req.qr, { phoneNumber: req.phoneNumber })
    : Promise.all(req.sends.map(async ({ from, to, texts }) => {
      const contact = sim.contact(from);
      for (const text of texts) await contact.sendText(to, text);
    }));
  work.then(
    () => process.send!({ id: req.id, ok: true } satisfies SimulatorReply),
    (err: unknown) => process.send!({ id: req.id, ok: false, error: String(err) } satisfies SimulatorReply),
  );
});
