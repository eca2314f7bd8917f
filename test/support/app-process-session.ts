/**
 * A paired session on an app that runs in another process (test/support/app-process-runner.ts):
 * an account, a session, its first QR read over REST, and the simulator's phone scanning it.
 * Shared by the crash specs and the drills (drills/).
 */
import type { WhatsAppSimulator } from '../../src/simulator/simulator.js';
import type { ScanOptions } from '../../src/simulator/types.js';
import { postJson } from './app-process-runner.js';
import { waitUntil } from './callback-receiver.js';

/** Signs a user up and logs in; resolves with an access token. */
export async function signUpOn(baseUrl: string, email: string, password = 'drill-password-1'): Promise<string> {
  await postJson(baseUrl, '/users', { email, password, name: email.split('@')[0] });
  return (await postJson(baseUrl, '/auth/login', { email, password })).accessToken as string;
}

/** Creates a session and has `opts.phoneNumber` scan its first QR; resolves once the session is open. */
export async function pairOn(baseUrl: string, token: string, sim: WhatsAppSimulator, opts: ScanOptions): Promise<string> {
  const sessionId = (await postJson(baseUrl, '/sessions', {}, token)).id as string;
  const qrText = await firstQr(baseUrl, token, sessionId);
  const opened = sim.waitFor('opened', (c) => c.phoneNumber === opts.phoneNumber, 60_000);
  await sim.scanQr(qrText, opts);
  await opened;
  return sessionId;
}

/** The session's current QR text, once it has one. */
export async function firstQr(baseUrl: string, token: string, sessionId: string): Promise<string> {
  let qrText: string | null = null;
  await waitUntil(async () => {
    const res = await fetch(`${baseUrl}/sessions/${sessionId}/qr`, { headers: { authorization: `Bearer ${token}` } });
    qrText = res.ok ? ((await res.json()) as { qrText: string | null }).qrText : null;
    return !!qrText;
  }, 30_000, 'the first QR');
  return qrText!;
}
