/** Child-process side of SimulatorProcess: one simulator, phones that scan and contacts that send on request. */
import type { SimulatorReply, SimulatorRequest } from './simulator-process.js';

const { WhatsAppSimulator } = await import('../../src/simulator/simulator.js');
const { useNativeCurve } = await import('../../src/whatsapp/native-curve.js');
// The simulator signs with Baileys' Curve too: native, so that it is not what a benchmark measures.
useNativeCurve(true);
// initialPreKeyCount 0: every session uploads its 812 pre-keys, as with the real server.
const sim = await WhatsAppSimulator.start({ port: 0, qrRefCount: 6, initialPreKeyCount: 0 });
process.send!({ url: sim.url });
process.on('message', (req: SimulatorRequest) => {
  if (req.op === 'stop') {
    void sim.stop().then(() => process.exit(0));
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
