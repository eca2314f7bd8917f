import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError, environmentVariableNames, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('applies documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.whatsapp.maxQrGeneration).toBe(5);
    expect(config.whatsapp.maxReconnectRetries).toBe(5);
    expect(config.callbacks.baseUrl).toBeUndefined();
    expect(config.callbacks.paths.newSession).toBe('/api/whatsapp/sessions/new-session-connected');
  });

  it('parses numbers and booleans', () => {
    const config = loadConfig({ PORT: '8080', WA_SANDBOX: 'true', AUTH_TRUST_USER_ID_HEADER: '1', WA_VERSION: '2.3000.1023' });
    expect(config.http.port).toBe(8080);
    expect(config.whatsapp.sandbox).toBe(true);
    expect(config.auth.trustUserIdHeader).toBe(true);
    expect(config.whatsapp.version).toEqual([2, 3000, 1023]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ WA_SANDBOX: 'maybe' }, 'WA_SANDBOX'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ ADMIN_EMAIL: 'a@b.co' }, 'ADMIN_PASSWORD'],
    [{ BACKEND_BASE_URL: 'not a url' }, 'BACKEND_BASE_URL'],
    [{ WA_TRUSTED_ROOT_PUBLIC_KEY: 'FCN1V00KWHFmqucevlFkN8Sii3PjaVxs4ff5VF2o7ms=' }, 'WA_TRUSTED_ROOT_PUBLIC_KEY'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('reads WA_TRUSTED_ROOT_PUBLIC_KEY as 32 bytes of hex, unset by default', () => {
    expect(loadConfig({}).whatsapp.trustedRootPublicKey).toBeUndefined();
    const hex = '142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b';
    expect(loadConfig({ WA_TRUSTED_ROOT_PUBLIC_KEY: hex.toUpperCase() }).whatsapp.trustedRootPublicKey).toEqual(Buffer.from(hex, 'hex'));
  });

  it('turns cluster mode on with REDIS_URL only, and checks what it needs', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    const cluster = { REDIS_URL: 'redis://localhost:6379', NODE_URL: 'http://10.0.0.1:3000/', DATABASE_URL: 'postgres://u:p@db/wa', NODE_ID: 'node-1' };
    expect(loadConfig(cluster).cluster).toEqual({ redisUrl: 'redis://localhost:6379', nodeId: 'node-1', nodeUrl: 'http://10.0.0.1:3000', leaseTtlMs: 20_000 });
    expect(() => loadConfig({ ...cluster, NODE_URL: '' })).toThrow('NODE_URL');
    expect(() => loadConfig({ ...cluster, DATABASE_URL: '' })).toThrow('DATABASE_URL');
    expect(() => loadConfig({ ...cluster, WA_SANDBOX: 'true' })).toThrow('WA_SANDBOX');
    expect(() => loadConfig({ ...cluster, REDIS_URL: 'http://x' })).toThrow('REDIS_URL');
    expect(() => loadConfig({ ...cluster, NODE_ID: 'a b' })).toThrow('NODE_ID');
    expect(() => loadConfig({ ...cluster, CLUSTER_LEASE_TTL_MS: '100' })).toThrow('CLUSTER_LEASE_TTL_MS');
  });

  it('reads TRUST_PROXY as true, false or a list, trusting private proxies by default', () => {
    expect(loadConfig({}).http.trustProxy).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'FALSE' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' }).http.trustProxy).toEqual(['10.0.0.0/8', '192.0.2.7']);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).toThrow('TRUST_PROXY');
  });

  it('checks the HTTP timeouts and connection caps', () => {
    expect(loadConfig({}).http.timeouts).toEqual({ headersMs: 20_000, requestMs: 300_000, keepAliveMs: 72_000, idleMs: 300_000 });
    expect(loadConfig({}).realtime.maxConnections).toEqual({ perUser: 32, perIp: 256, total: 10_000 });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '30000' })).toThrow('HTTP_HEADERS_TIMEOUT_MS');
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '0' }).http.timeouts.requestMs).toBe(0);
    expect(() => loadConfig({ REALTIME_MAX_CONNECTIONS_PER_USER: '0' })).toThrow('REALTIME_MAX_CONNECTIONS_PER_USER');
  });

  it('refuses the renamed LOGIN_MAX_FAILURES_PER_ACCOUNT, naming both variables, rather than dropping its setting', () => {
    const load = (env: Record<string, string>) => () => loadConfig(env);
    expect(load({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' })).toThrow(ConfigError);
    expect(load({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' })).toThrow(
      'LOGIN_MAX_FAILURES_PER_ACCOUNT: renamed to LOGIN_MAX_FAILURES_PER_ACCOUNT_IP (failed logins are now counted per account and client IP); ' +
        'set LOGIN_MAX_FAILURES_PER_ACCOUNT_IP instead and remove LOGIN_MAX_FAILURES_PER_ACCOUNT',
    );
    // Set along with the new name too: the old line would still mislead whoever reads the deployment.
    expect(load({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '3' })).toThrow('LOGIN_MAX_FAILURES_PER_ACCOUNT_IP');
    // Reported with the other invalid variables, in one message.
    expect(load({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', PORT: 'abc' })).toThrow(/LOGIN_MAX_FAILURES_PER_ACCOUNT: renamed[^]*PORT:/);
    // An empty value carries no setting: nothing is lost.
    expect(loadConfig({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '' }).auth.loginMaxFailuresPerAccountIp).toBe(5);
    expect(loadConfig({ LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '3' }).auth.loginMaxFailuresPerAccountIp).toBe(3);
  });

  it('takes PRODUCTION_API_KEY as an alias of BACKEND_API_KEY', () => {
    expect(loadConfig({ PRODUCTION_API_KEY: 'k1' }).callbacks.apiKey).toBe('k1');
    expect(loadConfig({ PRODUCTION_API_KEY: 'k1', BACKEND_API_KEY: 'k2' }).callbacks.apiKey).toBe('k2');
  });

  it('lists every variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const missing = environmentVariableNames().filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('reads the WhatsApp Web version by default outside the sandbox, and refuses a malformed WA_PROXY_URL', () => {
    expect(loadConfig({}).whatsapp).toMatchObject({ fetchLatestVersion: true, versionUrl: 'https://web.whatsapp.com/sw.js', versionRefreshMs: 21_600_000 });
    expect(loadConfig({ WA_SANDBOX: 'true' }).whatsapp.fetchLatestVersion).toBe(false);
    expect(loadConfig({ WA_SERVER_URL: 'ws://127.0.0.1:1/ws/chat' }).whatsapp.fetchLatestVersion).toBe(false);
    expect(loadConfig({ WA_SANDBOX: 'true', WA_FETCH_LATEST_VERSION: 'true' }).whatsapp.fetchLatestVersion).toBe(true);
    expect(loadConfig({ WA_PROXY_URL: 'socks5://u:p@127.0.0.1:1080' }).whatsapp.proxyUrl).toBe('socks5://u:p@127.0.0.1:1080');
    expect(() => loadConfig({ WA_PROXY_URL: 'ftp://127.0.0.1:21' })).toThrow(ConfigError);
    expect(() => loadConfig({ WA_VERSION_URL: 'not a url' })).toThrow(ConfigError);
  });

  it('reads the CA certificates of HTTPS proxies from WA_PROXY_CA_FILE, and refuses a file it cannot use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-ca-'));
    try {
      const { cert } = await generate([{ name: 'commonName', value: 'Proxy CA' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
      const file = (name: string, text: string): string => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      expect(loadConfig({ WA_PROXY_CA_FILE: file('ca.pem', `# the proxy's CA\n${cert}`) }).whatsapp.proxyCa).toBe(cert.trim());
      expect(loadConfig({}).whatsapp.proxyCa).toBeUndefined();
      expect(() => loadConfig({ WA_PROXY_CA_FILE: join(dir, 'missing.pem') })).toThrow(/WA_PROXY_CA_FILE: cannot read .*ENOENT/);
      expect(() => loadConfig({ WA_PROXY_CA_FILE: file('empty.pem', 'not a certificate') })).toThrow(/WA_PROXY_CA_FILE: .* holds no PEM certificate/);
      expect(() => loadConfig({ WA_PROXY_CA_FILE: file('bad.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') })).toThrow(/cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
