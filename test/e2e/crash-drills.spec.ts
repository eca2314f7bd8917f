/**
 * The crash drills (drills/, `npm run drill`) at a small size: the app in a child process (the
 * build: run `npm run build` first), SIGKILL mid-burst, SIGTERM mid-burst, SIGKILL with the first
 * history sync acknowledged but not committed, SIGKILL between the scan and the 515 reconnect, and
 * SIGKILL with media downloads held half-way. The account must hold what
 * docs/reliability.md states: no duplicates ever, and nothing lost, killed or not.
 */
import { DrillHarness } from '../../drills/harness.js';
import { runScenario, type DrillResult, type DrillSize, type MessageAccount } from '../../drills/scenarios.js';
import { createTestDatabase } from '../support/test-database.js';

const SIZE: DrillSize = { contacts: 5, texts: 20, historyChats: 4, historyMessages: 10, images: 2, settleMs: 40_000 };

describe('crash drills (small size)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let harness: DrillHarness;

  beforeAll(async () => {
    db = await createTestDatabase('drills');
    harness = await DrillHarness.start(db.url, { built: true });
  });
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  const expectNothingLost = (result: DrillResult): void => {
    const account = result.account as MessageAccount;
    expect({ scenario: result.scenario, ...account }).toMatchObject({
      scenario: result.scenario,
      sent: SIZE.contacts * SIZE.texts,
      stored: SIZE.contacts * SIZE.texts,
      calledBack: SIZE.contacts * SIZE.texts,
      lostAcked: 0,
      unackedNotStored: 0,
      notCalledBack: 0,
      duplicates: { stored: 0, callbacks: 0 },
      journalRowsLeft: 0,
    });
    expect(result.recovery.completeMs).not.toBeNull();
  };

  it('loses nothing and duplicates nothing when killed with SIGKILL mid-burst', async () => {
    const result = await runScenario(harness, 'burst-sigkill', SIZE);
    expect(result.atSignal.acked).toBeLessThan(SIZE.contacts * SIZE.texts);
    expectNothingLost(result);
  }, 120_000);

  it('loses nothing when stopped with SIGTERM mid-burst (graceful)', async () => {
    expectNothingLost(await runScenario(harness, 'burst-sigterm', SIZE));
  }, 120_000);

  it('stores an acknowledged first history sync that a SIGKILL kept from committing', async () => {
    const result = await runScenario(harness, 'history-sigkill', SIZE);
    expect(result.atSignal).toMatchObject({ storedMessages: 0 });
    expect(result.atSignal.journaledNotifications).toBeGreaterThanOrEqual(3);
    expect(result.account).toMatchObject({ expectedMessages: 40, storedMessages: 40, lostMessages: 0, journalRowsLeft: 0 });
  }, 120_000);

  it('logs in again without a scan when killed between the scan and the 515 reconnect', async () => {
    const result = await runScenario(harness, 'scan-515-sigkill', SIZE);
    expect(result.atSignal).toEqual({ credentialsSaved: 1, rowPaired: 0 });
    expect(result.account).toMatchObject({ pairedOnPhone: 1, credentialsKept: true, reconnectedWithoutScan: true, status: 'connected', messageAfterStored: true });
  }, 120_000);

  it('redoes media downloads a SIGKILL interrupted half-way, with the bytes the contacts sent', async () => {
    const result = await runScenario(harness, 'media-sigkill', SIZE);
    expect(result.atSignal).toMatchObject({ sent: SIZE.images, mediaRows: SIZE.images, downloading: SIZE.images, callbacks: 0 });
    expect(result.account).toMatchObject({
      sent: SIZE.images, stored: SIZE.images, calledBack: SIZE.images, lostAcked: 0, duplicates: { stored: 0, callbacks: 0 },
      media: { rows: SIZE.images, stored: SIZE.images, sha256Match: SIZE.images, failed: 0, redone: SIZE.images, duplicateRows: 0 },
      callbacksWithMediaUrl: SIZE.images, journalRowsLeft: 0,
    });
    expect(result.recovery.completeMs).not.toBeNull();
  }, 60_000);
});
