/**
 * What PostgreSQL spends on the message upsert (src/chats/message-writer.ts), the hottest
 * statement of inbound traffic: the real MessageWriter on a fresh migrated database, R rows per
 * statement, each statement in its own transaction as a live write, with the statement prepared
 * once per connection (DATABASE_PREPARED_STATEMENTS=true, the default) and sent as text. Prints
 * PostgreSQL's CPU ms per row (its backends, from /proc) and the wall ms per row.
 *
 *   npm run bench:statements -- [--rows 1,3,10] [--messages 3000] [--rounds 2]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './support/bench-database.js';
import { loadAppModules } from './support/app-modules.js';
import { cpuMsOf } from './support/process-cpu.js';
import { round } from './support/stats.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1,3,10' }, messages: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '2' } } });
const ROWS = values.rows.split(',').map(Number);
const MESSAGES = Number(values.messages);

async function main(): Promise<void> {
  await loadAppModules(); // registers the decorator-metadata hooks before src/ is imported
  const { DataSource } = await import('typeorm');
  const { loadConfig } = await import('../src/config/app-config.js');
  const { buildDataSourceOptions } = await import('../src/database/data-source-options.js');
  const { usePreparedStatements } = await import('../src/database/prepared-statement.js');
  const { MessageWriter } = await import('../src/chats/message-writer.js');
  const database = await openBenchDatabase('bench_statements');
  const dataSource = new DataSource((await buildDataSourceOptions(loadConfig({ DATABASE_URL: database.url!, DATABASE_POOL_SIZE: '2' }))).options);
  await dataSource.initialize();
  await dataSource.runMigrations();
  const writer = new MessageWriter();
  const sessionId = randomUUID();
  const tenantId = randomUUID();
  const chats: string[] = [];
  for (let i = 0; i < 20; i++) {
    chats.push(String((await dataSource.query(`INSERT INTO wa_chats (session_id, tenant_id, jid) VALUES ($1, $2, $3) RETURNING id`, [sessionId, tenantId, `4917${i}@s.whatsapp.net`]))[0].id));
  }
  const backends = async (): Promise<number[]> =>
    (await dataSource.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).map((r: { pid: number }) => r.pid);
  let n = 0;
  const row = () => {
    n += 1;
    const chatId = chats[n % chats.length]!;
    return {
      sessionId, tenantId, source: 'live' as const, chatId, chatJid: 'x@s.whatsapp.net',
      record: {
        id: `BENCH${n}`, remoteJid: 'x@s.whatsapp.net', remoteJidAlt: null, fromMe: false, senderJid: null, senderPhone: '4917', pushName: 'Bench',
        timestamp: 1_767_000_000 + n, type: 'conversation', kind: 'text', text: `hello ${n}`, status: null, quotedId: null, forwarded: false,
        isStub: false, media: null, reaction: null, isProtocol: false, raw: Buffer.alloc(160, 7),
      },
    };
  };
  const results = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const rows of ROWS) {
      for (const prepared of [true, false]) {
        usePreparedStatements(prepared);
        const statements = Math.ceil(MESSAGES / rows);
        await dataSource.transaction((m) => writer.upsert(m, [row()])); // the connections exist, the statement is prepared
        const pids = await backends();
        const before = pids.map(cpuMsOf);
        const start = performance.now();
        for (let i = 0; i < statements; i++) await dataSource.transaction((m) => writer.upsert(m, Array.from({ length: rows }, row)));
        const wall = performance.now() - start;
        const cpu = pids.map(cpuMsOf).reduce((sum, v, i) => sum + v - before[i]!, 0);
        results.push({ rowsPerStatement: rows, prepared, postgresCpuMsPerRow: round(cpu / (statements * rows)), wallMsPerRow: round(wall / (statements * rows)) });
      }
    }
  }
  console.log(JSON.stringify({ database: database.kind, messagesPerCase: MESSAGES, results }, null, 2));
  await dataSource.destroy();
  await database.close();
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
