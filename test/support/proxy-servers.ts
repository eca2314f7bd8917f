/**
 * Real proxy servers for the per-session proxy tests, from Debian's packages (`.ci/run` installs
 * them): tinyproxy (HTTP CONNECT, Basic auth), microsocks (SOCKS5, user/password), and stunnel4
 * terminating TLS in front of a tinyproxy (an HTTPS proxy, its certificate issued by a CA made for
 * the test). Each runs in the foreground on a free 127.0.0.1 port with its files in a temporary
 * folder, never as a system service, and logs every connection it tunnels: `tunnels` records the
 * targets ("host:port").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
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

export interface TlsProxyServer extends ProxyServer {
  /** The CA that issued the proxy's certificate (PEM), and a file holding it. */
  caPem: string;
  caFile: string;
  /** TLS connections the proxy accepted (stunnel's log), by client address. */
  tlsConnections: Recording<string>;
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

/**
 * An HTTPS proxy: stunnel4 accepts TLS (a certificate for 127.0.0.1 issued by a CA made here) and
 * hands the plain stream to a tinyproxy with Basic auth `user:password`, which tunnels CONNECT.
 */
export async function startTlsProxy(user: string, password: string): Promise<TlsProxyServer> {
  const inner = await startTinyproxy(user, password);
  const dir = mkdtempSync(join(tmpdir(), 'stunnel-'));
  try {
    return await startStunnel(inner, dir, user, password);
  } catch (err) {
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startStunnel(inner: ProxyServer, dir: string, user: string, password: string): Promise<TlsProxyServer> {
  const { ca, leaf } = await proxyCertificates();
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca);
  writeFileSync(join(dir, 'proxy.pem'), leaf.cert);
  writeFileSync(join(dir, 'proxy.key'), leaf.private, { mode: 0o600 });
  const port = await freePort();
  const conf = join(dir, 'stunnel.conf');
  writeFileSync(conf, [
    'foreground = yes', 'pid =', 'debug = notice', 'syslog = no',
    '[https-proxy]', `accept = 127.0.0.1:${port}`, `connect = 127.0.0.1:${inner.port}`,
    `cert = ${join(dir, 'proxy.pem')}`, `key = ${join(dir, 'proxy.key')}`, '',
  ].join('\n'));
  const child = spawn('stunnel4', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const outer = await running(child, port, `https://${user}:${password}@127.0.0.1:${port}`, /Service \[https-proxy\] accepted connection from (\S+)/, dir);
  return {
    url: outer.url,
    port,
    tunnels: inner.tunnels,
    tlsConnections: outer.tunnels,
    caPem: ca,
    caFile,
    close: async () => {
      await outer.close();
      await inner.close();
    },
  };
}

/** A CA (its own self-signed certificate) and a server certificate it issued for 127.0.0.1. */
async function proxyCertificates(): Promise<{ ca: string; leaf: { cert: string; private: string } }> {
  const now = Date.now();
  const validity = { notBeforeDate: new Date(now - 60_000), notAfterDate: new Date(now + 24 * 3600_000) };
  const ca = await generate([{ name: 'commonName', value: 'Test proxy CA' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity,
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }],
  });
  const leaf = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ...validity, ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { ca: ca.cert, leaf };
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
