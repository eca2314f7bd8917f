import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as curve from 'libsignal/src/curve.js';
import { proto } from '@whiskeysockets/baileys';
import { WhatsAppSimulator, createSandboxControl } from '../../src/simulator/index.js';
import { connectAndWaitForOpen, nextPhone, pairNewSession, TestClient } from './helpers.js';

describe('simulator registry, restart and sandbox control', () => {
  it('signs a proper certificate chain', async () => {
    const sim = await WhatsAppSimulator.start();
    try {
      const chain = proto.CertChain.decode(sim.certificates.encoded);
      const inter = proto.CertChain.NoiseCertificate.Details.decode(chain.intermediate!.details!);
      const leaf = proto.CertChain.NoiseCertificate.Details.decode(chain.leaf!.details!);
      expect(inter.issuerSerial).toBe(0);
      expect(Buffer.from(leaf.key!)).toEqual(sim.staticKey.public);
      const pub = (k: Uint8Array): Buffer => Buffer.concat([Buffer.from([5]), k]);
      expect(curve.verifySignature(pub(sim.rootPublicKey), chain.intermediate!.details!, chain.intermediate!.signature!)).toBe(true);
      expect(curve.verifySignature(pub(inter.key!), chain.leaf!.details!, chain.leaf!.signature!)).toBe(true);
      expect(curve.verifySignature(pub(inter.key!), chain.leaf!.details!, Buffer.alloc(64, 1))).toBe(false);
    } finally {
      await sim.stop();
    }
  });

  it('remembers devices across a simulator restart (object and file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wa-sim-'));
    const first = await WhatsAppSimulator.start({ initialPreKeyCount: 50 });
    const port = Number(new URL(first.url).port);
    const phone = nextPhone();
    const { auth } = await pairNewSession(first, { phoneNumber: phone, accountType: 'business', name: 'Shop' });
    const saved = first.saveDevices();
    const file = join(dir, 'devices.json');
    await first.saveDevicesToFile(file);
    const c1 = await connectAndWaitForOpen(first.url, auth);
    await first.stop();
    expect(await c1.waitForClose()).toBe(428);
    await c1.end();

    const second = await WhatsAppSimulator.start({ port, devices: saved, initialPreKeyCount: 50 });
    const c2 = await connectAndWaitForOpen(second.url, auth);
    expect(second.pairedDevices(phone)[0]?.name).toBe('Shop');
    const id = await second.contact(nextPhone('1777')).sendText(phone, 'after restart');
    await c2.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id));
    await c2.end();
    await second.stop();

    const third = await WhatsAppSimulator.start({ devices: file, initialPreKeyCount: 50 });
    const c3 = await connectAndWaitForOpen(third.url, auth);
    await c3.end();
    await third.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('queues messages for an offline device and delivers them at login', async () => {
    const sim = await WhatsAppSimulator.start({ initialPreKeyCount: 50 });
    const phone = nextPhone();
    const { auth } = await pairNewSession(sim, { phoneNumber: phone });
    const id = await sim.contact(nextPhone('1778')).sendText(phone, 'while you were away');
    const c = await connectAndWaitForOpen(sim.url, auth);
    const up = await c.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === id));
    expect(up.type).toBe('append');
    expect(up.messages[0]?.message?.conversation).toBe('while you were away');
    await c.end();
    await sim.stop();
  });

  it('offers the sandbox control surface keyed by phone number', async () => {
    const sim = await WhatsAppSimulator.start({ initialPreKeyCount: 50 });
    const control = createSandboxControl(sim);
    const phone = nextPhone();
    const pending = new TestClient(control.url);
    const qr = await pending.waitForQr();
    const device = await control.scanQr({ qr, phoneNumber: phone, accountType: 'personal' });
    expect(device.phoneNumber).toBe(phone);
    expect(await pending.waitForClose()).toBe(515);
    await pending.end();
    const c = await connectAndWaitForOpen(control.url, pending.auth);
    const { messageId } = await control.sendAsContact({ from: nextPhone('1779'), to: phone, text: 'sandbox hello', pushName: 'Tester' });
    const up = await c.waitForEvent('messages.upsert', (u) => u.messages.some((m) => m.key.id === messageId));
    expect(up.messages[0]?.pushName).toBe('Tester');
    expect(control.devices(phone)).toHaveLength(1);
    expect(await control.replaceConnection(phone)).toEqual({ affectedConnections: 1 });
    expect(await c.waitForClose()).toBe(440);
    await c.end();
    const c2 = await connectAndWaitForOpen(control.url, pending.auth);
    expect(await control.removeDevice(phone)).toEqual({ affectedConnections: 1 });
    expect(await c2.waitForClose()).toBe(401);
    await c2.end();
    await sim.stop();
  });
});
