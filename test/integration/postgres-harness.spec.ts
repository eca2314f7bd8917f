import pg from 'pg';
import { createTestDatabase } from '../support/test-database.js';

describe('test PostgreSQL harness', () => {
  it('gives each test file its own empty database on a real server', async () => {
    const db = await createTestDatabase('harness');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ v: string; n: string }>(
      `SELECT current_setting('server_version_num') AS v, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')::text AS n`,
    );
    await client.end();
    await db.drop();
    expect(Number(rows[0].v)).toBeGreaterThanOrEqual(130000);
    expect(rows[0].n).toBe('0');
  });
});
