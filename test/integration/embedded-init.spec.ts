/**
 * The embedded database's first start: the cluster is created by a child process (so that initdb's
 * memory never stays in the server), and an existing cluster is left untouched.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { initEmbeddedDirectory, isInitialized } from '../../src/database/embedded-init.js';

describe('embedded database initialization', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'embedded-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a cluster in a child process that PGlite then opens, and keeps its data on a second call', async () => {
    expect(isInitialized(dir)).toBe(false);
    await initEmbeddedDirectory(dir);
    expect(isInitialized(dir)).toBe(true);

    const db = new PGlite(dir);
    await db.query('create table kept (v text)');
    await db.query("insert into kept values ('still here')");
    await db.close();
    const created = statSync(join(dir, 'PG_VERSION')).mtimeMs;

    await initEmbeddedDirectory(dir);
    expect(statSync(join(dir, 'PG_VERSION')).mtimeMs).toBe(created);
    const reopened = new PGlite(dir);
    const { rows } = await reopened.query<{ v: string }>('select v from kept');
    await reopened.close();
    expect(rows).toEqual([{ v: 'still here' }]);
  });

  it('fails with the child’s error when the directory cannot be written', async () => {
    const file = join(dir, 'not-a-directory');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'x'));
    await expect(initEmbeddedDirectory(join(file, 'pglite'))).rejects.toThrow();
  });
});
