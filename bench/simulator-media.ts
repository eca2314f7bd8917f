/**
 * Media half of the simulator benchmark: one real Baileys client, a document of `--size-mb` MB
 * (default 20) each way through the simulator's HTTPS media host, `--rounds` times (default 3).
 *   upload:   sock.sendMessage({ document }) → the simulator decrypted the uploaded file (Baileys
 *             encrypts to a temp file, uploads over TLS; the simulator checks sha256, decrypts)
 *   download: downloadMediaMessage of a document a contact sent (TLS download + Baileys decrypt)
 * Prints MB/s (1 MB = 2^20 bytes) per direction, best and median of the rounds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../src/simulator/index.js';
import { pairAndOpen } from '../src/simulator/testing/index.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (x: number): number => +x.toFixed(1);

export async function runMediaBench(sizeMb: number, rounds: number): Promise<Record<string, unknown>> {
  const sim = await WhatsAppSimulator.start({ autoReceipts: false, initialPreKeyCount: 50 });
  const { fetchAgent, dispatcher } = sim.mediaTrust();
  const phone = '19990000001';
  const { client } = await pairAndOpen(sim, { phoneNumber: phone }, { config: { fetchAgent, options: { dispatcher } } });
  const contact = sim.contact('19990000002');
  const bytes = sizeMb * 2 ** 20;
  const upload: number[] = [];
  const download: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const data = randomBytes(bytes);
      const sha = createHash('sha256').update(data).digest('hex');

      let started = performance.now();
      const sent = await client.sock.sendMessage(contact.jid, { document: data, mimetype: 'application/pdf', fileName: `bench-${i}.pdf` });
      const record = await sim.waitForSentMessage((m) => m.id === sent!.key.id && m.decryptedBy.includes('contact'), 120_000);
      upload.push(performance.now() - started);
      if (record.media?.sha256 !== sha) throw new Error(`upload round ${i}: the simulator decrypted different bytes`);

      const id = await contact.send(phone, { media: { kind: 'document', mimetype: 'application/pdf', data, fileName: `in-${i}.pdf` } });
      const upsert = await client.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id), 120_000);
      const msg = upsert.messages.find((m) => m.key.id === id) as WAMessage;
      started = performance.now();
      const got = await downloadMediaMessage(msg, 'buffer', { options: { dispatcher } });
      download.push(performance.now() - started);
      if (!got.equals(data)) throw new Error(`download round ${i}: Baileys decrypted different bytes`);
    }
  } finally {
    await client.end();
    await sim.stop();
  }
  const mbps = (ms: number): number => round1(sizeMb / (ms / 1000));
  return {
    documentMB: sizeMb,
    rounds,
    uploadMBps: { best: mbps(Math.min(...upload)), median: mbps(median(upload)) },
    downloadMBps: { best: mbps(Math.min(...download)), median: mbps(median(download)) },
    uploadMs: upload.map(Math.round),
    downloadMs: download.map(Math.round),
  };
}
