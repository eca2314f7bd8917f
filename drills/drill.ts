/**
 * Crash drills (issue 17): `npm run drill -- <scenario> [flags]`, scenario a–f (or its name, or
 * `all`). Each drill runs the app in a child process on a real Postgres, the simulator here, kills
 * the app at the scenario's moment, restarts it and prints one JSON line: what was acknowledged,
 * stored, called back, lost and duplicated, and how long recovery took. It runs the build (the
 * script builds first).
 *
 *   --contacts 50 --texts 100     (a, e, f) the burst
 *   --history-chats 20 --history-messages 50   (b) the first history sync
 *   --images 10                   (d) inbound images, downloads killed half-way
 *   --settle-ms 120000            how long the recovered app gets to account for everything
 */
import { parseArgs } from 'node:util';
import { openBenchDatabase } from '../bench/support/bench-database.js';
import { DrillHarness } from './harness.js';
import { LETTERS, SCENARIOS, runScenario, type DrillSize, type ScenarioName } from './scenarios.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    contacts: { type: 'string', default: '50' },
    texts: { type: 'string', default: '100' },
    'history-chats': { type: 'string', default: '20' },
    'history-messages': { type: 'string', default: '50' },
    images: { type: 'string', default: '10' },
    'settle-ms': { type: 'string', default: '120000' },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const wanted = positionals[0] ?? 'all';
const scenarios: ScenarioName[] = wanted === 'all' ? [...SCENARIOS] : [LETTERS[wanted] ?? (SCENARIOS.find((s) => s === wanted) as ScenarioName)];
if (!scenarios[0]) {
  process.stderr.write(`unknown scenario '${wanted}': one of a–f, ${SCENARIOS.join(', ')} or all\n`);
  process.exit(2);
}
const size: DrillSize = {
  contacts: positive('contacts', values.contacts),
  texts: positive('texts', values.texts),
  historyChats: positive('history-chats', values['history-chats']),
  historyMessages: positive('history-messages', values['history-messages']),
  images: positive('images', values.images),
  settleMs: positive('settle-ms', values['settle-ms']),
};

const db = await openBenchDatabase('drill');
const harness = await DrillHarness.start(db.url!, { built: true });
try {
  for (const scenario of scenarios) {
    const result = await runScenario(harness, scenario, size);
    process.stdout.write(`${JSON.stringify({ ...result, database: db.kind, at: new Date().toISOString() })}\n`);
  }
} finally {
  await harness.close();
  await db.close();
}
