/** Starts the app in a child process (test/support/app-process.ts), for crash and signal tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { SIMULATOR_ROOT_PUBLIC_KEY_HEX } from '../../src/simulator/certificates.js';

/**
 * An app pointed at a simulator (WA_SERVER_URL) must trust the simulator's certificate root, as the
 * app trusts only WhatsApp's by default (src/whatsapp/noise-trust.ts); `env` may name another.
 */
export const trustSimulatorRoot = (env: Record<string, string | undefined>): Record<string, string> =>
  env.WA_SERVER_URL ? { WA_TRUSTED_ROOT_PUBLIC_KEY: SIMULATOR_ROOT_PUBLIC_KEY_HEX } : {};

export interface AppProcess {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/app-process.ts'], {
    // Tests sign up many users from 127.0.0.1: the per-IP sign-up limit is tested on its own.
    env: { ...process.env, NODE_OPTIONS: '', SIGNUP_MAX_PER_IP: '1000000', ...trustSimulatorRoot(env), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) resolve({ child, baseUrl: `http://127.0.0.1:${match[1]}`, exited });
    });
    void exited.then(({ code }) => reject(new Error(`the app process exited before it was ready (${code})`)));
  });
}

/** POSTs JSON to an app outside this process; throws on a non-2xx answer. */
export async function postJson(baseUrl: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** SIGKILLs the app (no graceful shutdown: the crash a test drills) and waits until it is gone. */
export async function killApp(app: AppProcess): Promise<void> {
  app.child.kill('SIGKILL');
  await app.exited;
}
