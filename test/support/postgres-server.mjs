// Plain ESM so that Jest can load it in globalSetup (which is not run through the ESM transform).
/**
 * Starts a private, throw-away PostgreSQL server for the test suite, from the Debian packages
 * (`postgresql`), unless TEST_DATABASE_URL points at an existing server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
function findBinDir() {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root))
        throw new Error('PostgreSQL server binaries not found: apt-get install postgresql, or set TEST_DATABASE_URL');
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
        const dir = join(root, v, 'bin');
        if (existsSync(join(dir, 'initdb')))
            return dir;
    }
    throw new Error('initdb not found under /usr/lib/postgresql');
}
async function freePort() {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            const port = typeof addr === 'object' && addr ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
function runAsPostgres(cmd, args) {
    const res = isRoot
        ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
        : spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.status !== 0)
        throw new Error(`${cmd} failed: ${res.stderr || res.stdout}`);
}
export async function startPostgres() {
    const binDir = findBinDir();
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-test-pg-'));
    chmodSync(dataDir, 0o777);
    if (isRoot)
        execFileSync('chown', ['postgres:postgres', dataDir]);
    const port = await freePort();
    runAsPostgres(join(binDir, 'initdb'), ['-D', join(dataDir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    runAsPostgres(join(binDir, 'pg_ctl'), [
        '-D', join(dataDir, 'data'), '-l', join(dataDir, 'log'), '-w', '-t', '60',
        '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
        'start',
    ]);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir, binDir };
}
export function stopPostgres(pg) {
    if (!pg.dataDir || !pg.binDir)
        return;
    try {
        runAsPostgres(join(pg.binDir, 'pg_ctl'), ['-D', join(pg.dataDir, 'data'), '-m', 'immediate', '-w', 'stop']);
    }
    finally {
        rmSync(pg.dataDir, { recursive: true, force: true });
    }
}
