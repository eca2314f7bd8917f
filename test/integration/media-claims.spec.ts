/**
 * Download claims name their claimer (src/media/media-jobs.ts) on a real PostgreSQL: at boot a node
 * redoes only the downloads its own previous run left `downloading`, never one another live node
 * holds (cluster mode); a single node (no NODE_ID) redoes the ones it claimed.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../src/config/app-config.js';
import { MediaJobs, type PendingMedia } from '../../src/media/media-jobs.js';
import { MediaEntity } from '../../src/media/media.entity.js';
import { openMigratedDataSource, type TestDataSource } from '../support/test-data-source.js';

describe('media download claims per node', () => {
  let db: TestDataSource;
  let dataSource: DataSource;
  const jobsOf = (nodeId?: string): MediaJobs =>
    new MediaJobs(dataSource.getRepository(MediaEntity), { cluster: nodeId ? { nodeId } : undefined } as unknown as AppConfig);

  beforeAll(async () => {
    db = await openMigratedDataSource('mediaclaims');
    dataSource = db.dataSource;
  });
  afterAll(async () => {
    await db?.close();
  });

  const pending = (n: number): PendingMedia[] => Array.from({ length: n }, () => ({
    tenantId: randomUUID(), sessionId: randomUUID(), remoteJid: '491700000001@s.whatsapp.net', messageId: randomUUID(), kind: 'image', mime: 'image/jpeg',
    fileName: null, caption: null, width: null, height: null, durationSeconds: null, waMediaKey: null, waDirectPath: '/v/x.enc', announce: null,
  }));
  const states = async (): Promise<Array<[string, string | null]>> =>
    (await dataSource.query(`SELECT state, claimed_by FROM wa_media ORDER BY claimed_by NULLS FIRST, state`)).map((r: { state: string; claimed_by: string | null }) => [r.state, r.claimed_by]);

  it('redoes at boot only the claims of the node that starts again', async () => {
    await jobsOf().addPending(dataSource.manager, pending(3), true);
    const [a, b, single] = [jobsOf('node-a'), jobsOf('node-b'), jobsOf()];
    expect(await a.claimDue(1, 60_000)).toHaveLength(1);
    expect(await b.claimDue(1, 60_000)).toHaveLength(1);
    expect(await single.claimDue(1, 60_000)).toHaveLength(1);
    expect(await states()).toEqual([['downloading', null], ['downloading', 'node-a'], ['downloading', 'node-b']]);

    // node-a starts again: its own claim is due again; node-b's download is left to node-b.
    expect(await jobsOf('node-a').releaseInterrupted()).toBe(1);
    expect(await states()).toEqual([['downloading', null], ['pending', 'node-a'], ['downloading', 'node-b']]);
    // A single node redoes what it claimed, nothing of a node's.
    expect(await jobsOf().releaseInterrupted()).toBe(1);
    expect(await states()).toEqual([['pending', null], ['pending', 'node-a'], ['downloading', 'node-b']]);
  });
});
