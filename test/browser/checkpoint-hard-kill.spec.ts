// (b) A killed browser may cost the save in progress, and nothing else. The test starts
// Chromium itself, kills its whole process group with SIGKILL at random moments of a save
// (aimed at the temp writes or at the commit transaction), restarts it on the same profile
// and checks what a user would find after the crash.
//
// The page reports save progress to the test, but those reports can arrive hundreds of
// milliseconds late while the browser is busy writing. So the test aims with them, and then
// decides where each kill really landed from what is on disk after the restart.
import { existsSync, writeFileSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';
import { muteViteReloads } from './support/checkpoint-fixtures.ts';
import { launchKillableChromium, type KillableChromium } from './support/chromium-process.ts';
import type { SaveEvent } from '../support/checkpoint-scenarios.ts';

/** Only the checkpoint store: loads fast after each restart. */
const PAGE_PATH = '/test/browser/support/checkpoint-page.html';
const KILLS = 20;
/**
 * The page's progress reports arrive late, and with xxh64 a 16 MB save writes in ~50 ms, so in
 * some runs none of the 10 write-aimed kills landed in the writes. Up to this many more kills,
 * aimed at whatever no kill has hit yet, go on until one has.
 */
const EXTRA_KILLS = 10;
const DB_NAME = 'hard-kill';
const RUN_ID = 'killed-run';
/** Large enough that the temp writes and the commit each take tens of milliseconds here. */
const CHECKPOINT_BYTES = 16_000_000;
/**
 * Kills aimed at the temp writes meet one temp transaction per chunk (two for a 16 MB save),
 * so that a kill can leave a save's chunks half written: the state the sweeper must clean up.
 * Sessions whose kill is aimed at the commit save with the app's default: the manifest and
 * all the chunks in one transaction, which a kill leaves all there or not at all.
 */
const tempBatchBytesFor = (aimedAt: Kill['aimedAt']) => (aimedAt === 'write' ? 1 : undefined);
/** Session r saves steps r * STEPS_PER_SESSION + 1, + 2, ...: unique, and increasing across sessions. */
const STEPS_PER_SESSION = 100;

type Phase = Exclude<SaveEvent['phase'], 'committed' | 'failed'>;
interface Kill {
  aimedAt: 'write' | 'commit';
  tempWrites: 'a transaction per chunk' | 'the default';
  delayMs: number;
  /** Steps whose commit transaction the test saw start before it sent SIGKILL. */
  commitsStarted: number[];
  /**
   * Where the kill landed, from the restarted store: 'write' when a save's temp records are
   * incomplete; 'commit' when all were written and the test saw the commit start, yet it did
   * not become durable; 'verify' when all were written and the test had not seen the commit
   * start (it may have been in the commit already); 'between saves' when nothing was left in
   * `temp` (encoding the next save, or just after a commit).
   */
  landed?: 'write' | 'verify' | 'commit' | 'between saves';
}

declare global {
  interface Window {
    reportSave: (event: SaveEvent) => void;
  }
}

const test = base.extend<{ launchChromium: (userDataDir: string) => Promise<KillableChromium> }>({
  launchChromium: async ({}, use) => {
    const launched: KillableChromium[] = [];
    await use(async (userDataDir) => {
      const chromium = await launchKillableChromium(userDataDir);
      launched.push(chromium);
      return chromium;
    });
    // Runs after a timeout too: a detached browser would otherwise outlive the test run and
    // keep writing into the next run's profile.
    await Promise.all(launched.map((c) => c.kill()));
  },
});

test('SIGKILL during temp writes or the commit never costs a committed checkpoint', async ({ baseURL, launchChromium }, testInfo) => {
  test.setTimeout(300_000);
  const profile = testInfo.outputPath('user-data-dir');
  // Another Playwright run in this checkout empties test-results/ when it starts, profile included.
  const marker = testInfo.outputPath('profile-in-use');
  writeFileSync(marker, '');
  const kills: Kill[] = [];
  const restarts: unknown[] = [];
  /** Newest step whose save() resolved before the kill, as far as the test heard. */
  let confirmed: number | null = null;
  const durations = { write: [] as number[], commit: [] as number[] };

  const missing = (): Kill['aimedAt'] | null =>
    !kills.some((k) => k.landed === 'write') ? 'write' : !kills.some((k) => k.landed === 'commit') ? 'commit' : null;
  for (let round = 0; ; round++) {
    const chromium = await launchChromium(profile);
    try {
      const context = chromium.browser.contexts()[0];
      const page = context.pages()[0] ?? (await context.newPage());
      await muteViteReloads(page);
      await page.goto(new URL(PAGE_PATH, baseURL).href, { timeout: 30_000 });
      await page.waitForFunction(() => window.checkpointLib !== undefined);

      await test.step(`restart ${round}: nothing half-visible, temp swept, the newest committed checkpoint loads`, async () => {
        expect(existsSync(marker), 'test-results/ was emptied mid-test, probably by another Playwright run; run the test again').toBe(true);
        const after = await checkAfterRestart(page);
        restarts.push({ round, ...after });
        expect(after.problemsBeforeSweep, 'a commit must be all or nothing').toEqual([]);
        expect(after.tempAfterSweep).toBe(0);
        expect(after.problemsAfterSweep).toEqual([]);
        // Every save that resolved before the kill is still there (a later one may be too,
        // if its commit became durable before the test heard of it).
        if (confirmed !== null) expect(after.latestStep).toBeGreaterThanOrEqual(confirmed);
        expect(after.message).toBeNull();
        // A restart that found a checkpoint loaded it bit for bit; one that found none has nothing to compare.
        expect(after.bitExact).toBe(after.latestStep === null ? null : true);
        const kill = kills.at(-1);
        if (kill) kill.landed = whereItLanded(kill, after);
        confirmed = after.latestStep;
      });
      const extra = round >= KILLS;
      if (extra && (missing() === null || round === KILLS + EXTRA_KILLS)) break;

      // Random moments: the first or second save of this session, a random delay into the phase.
      const aimedAt = extra ? missing()! : round % 2 === 0 ? 'write' : 'commit';
      // An extra kill goes as soon as its phase is reported: the report is late enough already.
      const typical = extra ? 0 : Math.min(...(durations[aimedAt].length > 0 ? durations[aimedAt] : [40]));
      const firstStep = round * STEPS_PER_SESSION + 1;
      kills.push(
        await killDuringSave(page, chromium, {
          firstStep,
          targetStep: firstStep + Math.floor(Math.random() * 2),
          aimedAt,
          tempBatchBytes: tempBatchBytesFor(aimedAt),
          delayMs: Math.random() * 0.8 * typical,
          onCommitted: (step) => (confirmed = step),
          durations,
        }),
      );
    } finally {
      await chromium.kill();
    }
  }

  await testInfo.attach('kills.json', { body: JSON.stringify(kills, null, 2), contentType: 'application/json' });
  await testInfo.attach('restarts.json', { body: JSON.stringify(restarts, null, 2), contentType: 'application/json' });
  const tally = new Map<string, number>();
  for (const k of kills) {
    const what = `aimed at ${k.aimedAt} (temp writes: ${k.tempWrites}), landed in ${k.landed}`;
    tally.set(what, (tally.get(what) ?? 0) + 1);
  }
  testInfo.annotations.push({ type: 'kills', description: [...tally].map(([what, n]) => `${n}x ${what}`).join('; ') });
  const landed = kills.map((k) => k.landed);
  expect(kills.length).toBeGreaterThanOrEqual(20);
  expect(landed, 'some kills must land during the temp writes').toContain('write');
  expect(landed, 'some kills must land inside the commit transaction').toContain('commit');
});

type AfterRestart = Awaited<ReturnType<typeof checkAfterRestart>>;

/** Reads where the kill landed from the store as the restart found it, before the sweep. */
function whereItLanded(kill: Kill, after: AfterRestart): Kill['landed'] {
  const unfinished = after.tempSavesBeforeSweep;
  if (unfinished.length === 0) return 'between saves';
  const save = unfinished[0];
  if (save.chunksExpected === null || save.chunksWritten < save.chunksExpected) return 'write';
  return save.step !== null && kill.commitsStarted.includes(save.step) ? 'commit' : 'verify';
}

/**
 * Starts saving step after step and sends SIGKILL `delayMs` after the page reports phase
 * `aimedAt` of save `targetStep`. Records how long completed phases took, to aim later kills.
 */
function killDuringSave(
  page: Page,
  chromium: KillableChromium,
  options: {
    firstStep: number;
    targetStep: number;
    aimedAt: 'write' | 'commit';
    tempBatchBytes: number | undefined;
    delayMs: number;
    onCommitted: (step: number) => void;
    durations: { write: number[]; commit: number[] };
  },
): Promise<Kill> {
  const { aimedAt, delayMs, targetStep } = options;
  return new Promise<Kill>((resolve, reject) => {
    const events: SaveEvent[] = [];
    const startOf = (step: number, phase: Phase) => events.find((e) => e.step === step && e.phase === phase)?.at ?? NaN;
    let aimed = false;
    let killed = false;
    const onEvent = (event: SaveEvent) => {
      if (event.phase === 'failed') return reject(new Error(`The save of step ${event.step} failed: ${event.error}`));
      events.push(event);
      // Reports that were on their way when the browser died still arrive: they are true.
      if (event.phase === 'committed') {
        options.onCommitted(event.step);
        options.durations.commit.push(event.at - startOf(event.step, 'commit'));
      }
      // Write times aim the write kills, so only writes batched like theirs are counted.
      if (aimedAt === 'write' && event.phase === 'verify' && event.bytesDone === 0) options.durations.write.push(event.at - startOf(event.step, 'write'));
      if (aimed || event.step !== targetStep || event.phase !== aimedAt) return;
      aimed = true;
      setTimeout(() => {
        killed = true;
        const commitsStarted = events.filter((e) => e.phase === 'commit' && e.bytesDone === 0).map((e) => e.step);
        const tempWrites = options.tempBatchBytes === undefined ? 'the default' : 'a transaction per chunk';
        chromium.kill().then(() => resolve({ aimedAt, tempWrites, delayMs: Math.round(delayMs), commitsStarted }), reject);
      }, delayMs);
    };
    page
      .exposeFunction('reportSave', onEvent)
      .then(() => {
        page
          .evaluate(
            (saving) => window.checkpointLib.checkpointScenarios.saveUntilKilled(saving, window.reportSave),
            { runId: RUN_ID, firstStep: options.firstStep, bytes: CHECKPOINT_BYTES, tempBatchBytes: options.tempBatchBytes },
          )
          // It never resolves: it ends when the kill takes the page down, and only then.
          .catch((error: Error) => killed || reject(new Error(`The page stopped saving before the kill: ${error.message}`)));
      })
      .catch(reject);
  });
}

/** Inspects the raw stores before the sweep runs, then opens the store (which sweeps) and loads. */
function checkAfterRestart(page: Page) {
  return page.evaluate(
    ({ dbName, runId, bytes }) => window.checkpointLib.checkpointScenarios.inspectAfterRestart(dbName, runId, bytes),
    { dbName: DB_NAME, runId: RUN_ID, bytes: CHECKPOINT_BYTES },
  );
}
