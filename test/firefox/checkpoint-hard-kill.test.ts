// A killed Firefox may cost the save in progress, and nothing else. As in
// test/browser/checkpoint-hard-kill.spec.ts: the test kills Firefox's whole process group with
// SIGKILL at a random moment of a 16 MB save (aimed at the temp writes or at the commit),
// restarts it on the same profile, and checks with the same in-page function what a user
// would find. Fewer kills than in Chromium keep the suite short; each round still checks
// that the newest committed checkpoint loads bit-exactly and that nothing is half visible.
import type { Page } from 'puppeteer-core';
import type { SaveEvent } from '../support/checkpoint-scenarios.ts';
import { test, expect, openPage, CHECKPOINT_PAGE_PATH, type Firefox } from './support/firefox.ts';

const KILLS = 6;
const DB_NAME = 'hard-kill';
const RUN_ID = 'killed-run';
const CHECKPOINT_BYTES = 16_000_000;
/**
 * Kills aimed at the temp writes meet one temp transaction per 1 MiB chunk, 16 per save: a
 * kill then leaves a save's chunks half written, the state the sweeper must clean up, and the
 * writes last long enough to be hit although progress reports reach the test late.
 */
const WRITE_AIMED_CHUNK_SIZE = 1024 * 1024;
/** Session r saves steps r * STEPS_PER_SESSION + 1, + 2, ...: unique, and increasing across sessions. */
const STEPS_PER_SESSION = 100;

declare global {
  interface Window {
    reportSave: (event: SaveEvent) => void;
  }
}

type Aim = 'write' | 'commit';
interface Kill {
  aimedAt: Aim;
  delayMs: number;
  /** What the restart found in `temp`: an unfinished save's chunks, or nothing. */
  found?: string;
}

test('SIGKILL during temp writes or the commit never costs a committed checkpoint', async ({ launchOnProfile }) => {
  const kills: Kill[] = [];
  /** Newest step whose save() resolved before the kill, as far as the test heard. */
  let confirmed: number | null = null;
  const durations: Record<Aim, number[]> = { write: [], commit: [] };

  for (let round = 0; round <= KILLS; round++) {
    const firefox = await launchOnProfile();
    try {
      const page = await openPage(firefox.browser, CHECKPOINT_PAGE_PATH);
      const after = await page.evaluate(
        (dbName, runId, bytes) => window.checkpointLib.checkpointScenarios.inspectAfterRestart(dbName, runId, bytes),
        DB_NAME,
        RUN_ID,
        CHECKPOINT_BYTES,
      );
      expect(after.problemsBeforeSweep, `restart ${round}: a commit must be all or nothing`).toEqual([]);
      expect(after.tempAfterSweep).toBe(0);
      expect(after.problemsAfterSweep).toEqual([]);
      // Every save that resolved before the kill is still there (a later one may be too, if
      // its commit became durable before the test heard of it).
      if (confirmed !== null) expect(after.latestStep, `restart ${round}`).toBeGreaterThanOrEqual(confirmed);
      expect(after.message).toBeNull();
      expect(after.bitExact, `restart ${round}: the newest checkpoint loads bit for bit`).toBe(after.latestStep === null ? null : true);
      const kill = kills.at(-1);
      if (kill) {
        const [unfinished] = after.tempSavesBeforeSweep;
        kill.found = unfinished ? `step ${unfinished.step}: ${unfinished.chunksWritten} of ${unfinished.chunksExpected ?? '?'} chunks in temp` : 'nothing in temp';
      }
      confirmed = after.latestStep;
      if (round === KILLS) break;

      const aimedAt: Aim = round % 2 === 0 ? 'write' : 'commit';
      const typical = Math.min(...(durations[aimedAt].length > 0 ? durations[aimedAt] : [40]));
      const firstStep = round * STEPS_PER_SESSION + 1;
      kills.push(
        await killDuringSave(page, firefox, {
          firstStep,
          // The first or the second save of this session, a random delay into the phase.
          targetStep: firstStep + Math.floor(Math.random() * 2),
          aimedAt,
          delayMs: Math.random() * 0.8 * typical,
          onCommitted: (step) => (confirmed = step),
          durations,
        }),
      );
    } finally {
      await firefox.kill();
    }
  }
  console.log(`Typical write ${Math.min(...durations.write)} ms, commit ${Math.min(...durations.commit)} ms`);
  console.log(`Firefox hard kills: ${kills.map((k) => `aimed at ${k.aimedAt} +${Math.round(k.delayMs)} ms, found ${k.found}`).join('; ')}`);
  expect(kills.length).toBe(KILLS);
  expect(
    kills.some((k) => k.found !== 'nothing in temp'),
    'at least one kill must land inside a save, leaving its temp records for the sweeper',
  ).toBe(true);
});

/**
 * Saves step after step and sends SIGKILL `delayMs` after the page reports phase `aimedAt`
 * of save `targetStep`. Records how long completed phases took, to aim later kills. Kills
 * aimed at the commit save with the app's defaults.
 */
function killDuringSave(
  page: Page,
  firefox: Firefox,
  options: {
    firstStep: number;
    targetStep: number;
    aimedAt: Aim;
    delayMs: number;
    onCommitted: (step: number) => void;
    durations: Record<Aim, number[]>;
  },
): Promise<Kill> {
  const { aimedAt, delayMs, targetStep } = options;
  return new Promise<Kill>((resolve, reject) => {
    const events: SaveEvent[] = [];
    const startOf = (step: number, phase: SaveEvent['phase']) => events.find((e) => e.step === step && e.phase === phase)?.at ?? NaN;
    let aimed = false;
    let killed = false;
    const onEvent = (event: SaveEvent) => {
      if (event.phase === 'failed') return reject(new Error(`The save of step ${event.step} failed: ${event.error}`));
      events.push(event);
      if (event.phase === 'committed') {
        options.onCommitted(event.step);
        options.durations.commit.push(event.at - startOf(event.step, 'commit'));
      }
      if (event.phase === 'verify' && event.bytesDone === 0) options.durations.write.push(event.at - startOf(event.step, 'write'));
      if (aimed || event.step !== targetStep || event.phase !== aimedAt) return;
      aimed = true;
      setTimeout(() => {
        killed = true;
        firefox.kill().then(() => resolve({ aimedAt, delayMs }), reject);
      }, delayMs);
    };
    const saving = {
      runId: RUN_ID,
      firstStep: options.firstStep,
      bytes: CHECKPOINT_BYTES,
      ...(aimedAt === 'write' ? { tempBatchBytes: 1, chunkSize: WRITE_AIMED_CHUNK_SIZE } : { tempBatchBytes: undefined }),
    };
    page
      .exposeFunction('reportSave', onEvent)
      .then(() =>
        page
          .evaluate((saving) => window.checkpointLib.checkpointScenarios.saveUntilKilled(saving, window.reportSave), saving)
          // It never resolves: it ends when the kill takes the page down, and only then.
          .catch((error: Error) => killed || reject(new Error(`The page stopped saving before the kill: ${error.message}`))),
      )
      .catch(reject);
  });
}
