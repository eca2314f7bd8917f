/**
 * Real proxy servers for the per-session proxy tests, from Debian's packages (`.ci/run` installs
 * them): tinyproxy (HTTP CONNECT, Basic auth) and microsocks (SOCKS5, user/password). Each runs in
 * the foreground on a free 127.0.0.1 port with its files in a temporary folder, never as a system
 * service, and logs every connection it tunnels: `tunnels` records the targets ("host:port").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { Recording } from './waitable.js';

export interface ProxyServer {
  /** With the credentials. */
  url: string;
  port: number;
  /** Targets tunnelled, as logged by the proxy ("127.0.0.1:443"). */
  tunnels: Recording<string>;
  close(): Promise<void>;
}

/** tinyproxy with Basic auth `user:password`; it tunnels CONNECT to any port (no ConnectPort line). */
export async function startTinyproxy(user: string, password: string): Promise<ProxyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyproxy-'));
  // tinyproxy started as root drops to nobody: its folder must stay readable.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(conf, [
    `Port ${port}`, 'Listen 127.0.0.1', 'Timeout 600', 'LogLevel Connect', 'MaxClients 200',
    ...(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : []),
    `BasicAuth ${user} ${password}`, '',
  ].join('\n'));
  const child = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  return running(child, port, `http://${user}:${password}@127.0.0.1:${port}`, /Request \(file descriptor \d+\): CONNECT (\S+) HTTP/, dir);
}

/** microsocks with user/password authentication. */
export async function startMicrosocks(user: string, password: string): Promise<ProxyServer> {
  const port = await freePort();
  const child = spawn('microsocks', ['-i', '127.0.0.1', '-p', String(port), '-u', user, '-P', password], { stdio: ['ignore', 'pipe', 'pipe'] });
  return running(child, port, `socks5://${user}:${password}@127.0.0.1:${port}`, /connected to (\S+)/);
}

async function running(child: ChildProcess, port: number, url: string, tunnel: RegExp, dir?: string): Promise<ProxyServer> {
  const tunnels = new Recording<string>();
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let pending = '';
  const onData = (chunk: Buffer): void => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      output.push(line);
      const m = tunnel.exec(line);
      if (m) tunnels.push(m[1]);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  await untilListening(port, exited, () => output.join('\n'));
  return {
    url,
    port,
    tunnels,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the port accepts a connection (the proxy is up); rejects if the process exits first. */
async function untilListening(port: number, exited: Promise<void>, log: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (gone) throw new Error(`the proxy exited before listening:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the proxy did not listen on ${port}:\n${log()}`);
    // The process is starting: wait for its next output line or a short while, whichever comes first.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
