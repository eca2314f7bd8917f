import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalMediaStorage } from './local-media-storage.js';

describe('LocalMediaStorage.removeLeftovers', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'media-leftovers-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('removes the partial files an interrupted write left, and nothing else', async () => {
    const before = new LocalMediaStorage(dataDir);
    await before.put('tenants/t/sessions/s/messages/m1/photo.jpg', Readable.from([Buffer.from('whole')]));
    const dir = join(dataDir, 'media/tenants/t/sessions/s/messages/m2');
    await mkdir(dir, { recursive: true });
    const dead = join(dir, 'video.mp4.0f8fad5b-d9cb-469f-a165-70867728950e.part');
    await writeFile(dead, 'half');
    await utimes(dead, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await writeFile(join(dir, 'notes.part'), 'a user file named .part');
    const storage = new LocalMediaStorage(dataDir);
    // A write this process started (newer than its storage) is left alone.
    await writeFile(join(dir, 'audio.ogg.9b2c1f3e-8a7d-4e6f-b5c4-3d2e1f0a9b8c.part'), 'in progress');

    expect(await storage.removeLeftovers()).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['audio.ogg.9b2c1f3e-8a7d-4e6f-b5c4-3d2e1f0a9b8c.part', 'notes.part']);
    expect(await readdir(join(dataDir, 'media/tenants/t/sessions/s/messages/m1'))).toEqual(['photo.jpg']);
  });

  it('finds nothing to do before any media was stored', async () => {
    expect(await new LocalMediaStorage(dataDir).removeLeftovers()).toBe(0);
  });
});
