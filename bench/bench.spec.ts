// `npm run bench`: measures our speed claims the way a user would compare tools, and writes
// bench/results.json. Every figure is a median of at least REPEATS runs after a warm-up (a few
// are maxima, named so), and every comparison is a ratio within this run, because these machines are shared and noisy. It
// reports; it fails only on a crash or on results with a missing or unusable figure.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { APP_URL } from '../playwright.config.ts';
import { HARNESS_PATH, launchProfile } from '../test/browser/support/checkpoint-fixtures.ts';
import { openProfile } from '../test/e2e/fixtures.ts';
import { BENCH_BACKENDS, BENCH_MODELS, CHECKPOINT_SIZES_MIB, TEXT_BENCH_MODEL, findProblems, formatTable, readbackShare, writeResults, type Figures, type MachineInfo } from './report.ts';
import type { TrainBackendName } from './train-bench.ts';
import { median } from './stats.ts';
import { gzippedJavaScript, measureFrameGaps, measureSaveLatency, measureStartup } from './ui-bench.ts';
import { firefoxFigures, runCheckpointBenchInFirefox } from './checkpoint-firefox.ts';

const REPEATS = 5;
const MNIST_URL = '/data/mnist.bin';
const RESULTS_PATH = fileURLToPath(new URL('results.json', import.meta.url));
const DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

test('npm run bench', async ({ launchOptions, baseURL }, testInfo) => {
  const figures: Figures = {};
  const details: Record<string, unknown> = {};
  /** A named phase: a test.step that also prints how long it took. */
  const phase = (name: string, work: () => Promise<void>) =>
    test.step(name, async () => {
      const start = Date.now();
      await work();
      console.log(`${name}: ${((Date.now() - start) / 1000).toFixed(0)} s`);
    });

  // The harness page (dev server) runs the library-level benchmarks, in a profile on disk so
  // that IndexedDB is the real on-disk store, not an incognito context's in-memory one.
  const harness = await launchProfile(testInfo.outputPath('harness-profile'), launchOptions, baseURL);
  // Answer Vite's hot-reload socket ourselves: an edit elsewhere in the repo must not reload the page mid-run.
  await harness.routeWebSocket(/./, () => {});
  const page = harness.pages()[0] ?? (await harness.newPage());
  page.on('console', (message) => {
    if (message.type() === 'log' && !message.text().startsWith('[vite]')) console.log(`  ${message.text()}`);
  });
  await page.goto(HARNESS_PATH);
  await page.waitForFunction(() => window.lib !== undefined);

  let machine: MachineInfo | undefined;
  await phase('machine', async () => {
    const browser = await describeBrowser(page);
    const readbackOn = (backend: TrainBackendName) => page.evaluate((b) => window.lib.trainBench.readbackRoundTripMs(b), backend);
    const readbackMs = { webgpu: browser.webgpuAdapter === null ? null : await readbackOn('webgpu'), cpu: await readbackOn('cpu') };
    machine = { ...browser, readbackMs, cpuModel: cpus()[0]?.model ?? 'unknown' };
  });

  for (const backend of BENCH_BACKENDS) {
    for (const model of BENCH_MODELS) {
      await phase(`train ${model} on ${backend}: our Trainer vs model.fit`, async () => {
        const result = await page.evaluate(
          (options) => window.lib.trainBench.runTrainBench({ ...options, onLog: (line) => console.log(line) }),
          { model, backend, mnistUrl: MNIST_URL, repeats: REPEATS },
        );
        const key = `train.${model}.${backend}`;
        figures[`${key}.ourStepsPerSec`] = result.ourStepsPerSec;
        figures[`${key}.fitStepsPerSec`] = result.fitStepsPerSec;
        figures[`${key}.ratio`] = result.ratio;
        // What decides this ratio's goal: does a per-step readback dominate fit's step here?
        figures[`${key}.readbackShare`] = readbackShare(machine!.readbackMs[backend] ?? 0, result.fitStepsPerSec);
        if (result.tfjsOpsStepsPerSec !== undefined) figures[`${key}.tfjsOpsStepsPerSec`] = result.tfjsOpsStepsPerSec;
        if (result.dispatchesPerStep !== undefined) figures[`${key}.dispatchesPerStep`] = result.dispatchesPerStep;
        if (result.tfjsOpsDispatchesPerStep !== undefined) figures[`${key}.tfjsOpsDispatchesPerStep`] = result.tfjsOpsDispatchesPerStep;
        const { steps, epochs, batchSize, ourRuns, fitRuns, kernelPath, tfjsOpsRuns } = result;
        details[key] = { steps, epochs, batchSize, ourRuns, fitRuns, kernelPath, tfjsOpsRuns };
      });
    }
  }
  // The fused kernels' goals: against model.fit on the same device, and against our CPU path.
  for (const model of BENCH_MODELS) {
    const fused = figures[`train.${model}.webgpu.ourStepsPerSec`];
    if ((details[`train.${model}.webgpu`] as { kernelPath?: string } | undefined)?.kernelPath !== 'fused') continue;
    figures[`train.${model}.webgpu.fusedVsFit`] = fused / figures[`train.${model}.webgpu.fitStepsPerSec`];
    figures[`train.${model}.webgpu.fusedVsCpu`] = fused / figures[`train.${model}.cpu.ourStepsPerSec`];
  }

  // The default path on each backend (fused kernels on WebGPU), then TensorFlow.js ops on WebGPU.
  const textRuns = [...BENCH_BACKENDS.map((backend) => ({ backend, kernels: 'auto' as const })), { backend: 'webgpu' as const, kernels: 'tfjs' as const }];
  for (const { backend, kernels } of textRuns) {
    await phase(`train the default Text model (${TEXT_BENCH_MODEL}) on ${backend}${kernels === 'tfjs' ? ' with TensorFlow.js ops' : ''}: tokens per second`, async () => {
      const result = await page.evaluate((options) => window.lib.textBench.runTextBench({ ...options, onLog: (line) => console.log(line) }), { backend, kernels, repeats: REPEATS });
      const key = `train.${TEXT_BENCH_MODEL}.${backend}`;
      const prefix = kernels === 'tfjs' ? 'tfjsOps' : '';
      const name = (figure: string) => `${key}.${prefix ? prefix + figure[0].toUpperCase() + figure.slice(1) : figure}`;
      figures[name('tokensPerSec')] = result.tokensPerSec;
      figures[name('stepsPerSec')] = result.stepsPerSec;
      if (result.dispatchesPerStep !== undefined) figures[name('dispatchesPerStep')] = result.dispatchesPerStep;
      const { model, tokensPerStep, steps, runs, kernelPath } = result;
      details[`${key}${prefix ? '.' + prefix : ''}`] = { model, tokensPerStep, steps, runs, kernelPath };
    });
  }
  const text = (figure: string) => figures[`train.${TEXT_BENCH_MODEL}.${figure}`];
  if ((details[`train.${TEXT_BENCH_MODEL}.webgpu`] as { kernelPath?: string } | undefined)?.kernelPath === 'fused') {
    figures[`train.${TEXT_BENCH_MODEL}.webgpu.fusedVsTfjsOps`] = text('webgpu.tokensPerSec') / text('webgpu.tfjsOpsTokensPerSec');
    figures[`train.${TEXT_BENCH_MODEL}.webgpu.fusedVsCpu`] = text('webgpu.tokensPerSec') / text('cpu.tokensPerSec');
  }

  await phase('checkpoint: our store vs one raw IndexedDB put/get vs tfjs indexeddb://', async () => {
    const result = await page.evaluate(
      async ({ sizesMiB, repeats }) => {
        const { runCheckpointBench } = window.lib.checkpointBench;
        // The harness has no warm-up of its own: one small pass first. Its chunk-size
        // comparisons are FORMAT.md's business, so they are skipped (or kept at 1 MiB).
        await runCheckpointBench({ sizesMiB: [1], chunkSizes: [], comparisonMiB: 1, repeats: 1 });
        return runCheckpointBench({ sizesMiB, chunkSizes: [], comparisonMiB: 1, repeats, onLog: (line) => console.log(line) });
      },
      { sizesMiB: [...CHECKPOINT_SIZES_MIB], repeats: REPEATS },
    );
    for (const { sizeMiB, checkpoint, hashing, rawIndexedDB, tfjsIndexedDB } of result.sizes) {
      // The harness's save starts from values in memory; add step 1, the snapshot, on the CPU
      // backend where its tfjs model lives, so both sides read their weights from the same place.
      const snapshotMs = await page.evaluate((options) => window.lib.snapshotBench.snapshotMs(options), { sizeMiB, backend: 'cpu' as const, repeats: REPEATS });
      const webgpuSnapshotMs = await page.evaluate((options) => window.lib.snapshotBench.snapshotMs(options), { sizeMiB, backend: 'webgpu' as const, repeats: REPEATS });
      const saveMs = (sizeMiB / checkpoint.saveMiBps) * 1000 + snapshotMs;
      const saveMBps = sizeMiB / (saveMs / 1000);
      // Likewise the load ends where tf.loadLayersModel does: with the weights in tensors.
      const restoreMs = await page.evaluate((options) => window.lib.snapshotBench.restoreMs(options), { sizeMiB, backend: 'cpu' as const, repeats: REPEATS });
      const loadMs = (sizeMiB / checkpoint.loadMiBps) * 1000 + restoreMs;
      const loadMBps = sizeMiB / (loadMs / 1000);
      const key = `checkpoint.${sizeMiB}`;
      Object.assign(figures, {
        [`${key}.saveMBps`]: saveMBps,
        [`${key}.rawPutMBps`]: rawIndexedDB.saveMiBps,
        [`${key}.tfjsSaveMBps`]: tfjsIndexedDB.saveMiBps,
        [`${key}.tfjsSaveResolvedMBps`]: tfjsIndexedDB.saveResolvedMiBps,
        [`${key}.loadMBps`]: loadMBps,
        [`${key}.rawGetMBps`]: rawIndexedDB.loadMiBps,
        [`${key}.tfjsLoadMBps`]: tfjsIndexedDB.loadMiBps,
        [`${key}.saveVsTfjsSave`]: saveMBps / tfjsIndexedDB.saveMiBps,
        [`${key}.saveVsRawPut`]: saveMBps / rawIndexedDB.saveMiBps,
        [`${key}.loadVsTfjsLoad`]: loadMBps / tfjsIndexedDB.loadMiBps,
        [`${key}.snapshotMs`]: snapshotMs,
        [`${key}.restoreMs`]: restoreMs,
        [`${key}.webgpuSnapshotMs`]: webgpuSnapshotMs,
        // The save's own hashing (encode and verify), timed alone, as a share of the whole save.
        [`${key}.hashShare`]: hashing.hashMs / saveMs,
      });
    }
    details.checkpoint = result;
  });

  await phase('checkpoint in Firefox: the same comparison, reported as checkpoint.firefox.<MB>.…', async () => {
    const run = await runCheckpointBenchInFirefox(new URL(HARNESS_PATH, baseURL).href, testInfo.outputPath('firefox-profile'), {
      sizesMiB: [...CHECKPOINT_SIZES_MIB],
      repeats: REPEATS,
    });
    if ('skipped' in run) console.log(`  ${run.skipped}`);
    else Object.assign(figures, firefoxFigures(run.result));
    details.checkpointFirefox = run;
  });

  await phase('save stall: a 16 MB save while training', async () => {
    const result = await page.evaluate(
      (options) => window.lib.saveStallBench.runSaveStallBench({ ...options, onLog: (line) => console.log(line) }),
      { mnistUrl: MNIST_URL, repeats: REPEATS },
    );
    // A negative loss is noise (the save window happened to run faster); report it as none.
    figures['ui.saveStallSteps'] = Math.max(0, result.stallSteps);
    figures['ui.saveStallStateMB'] = result.stateBytes / 1e6;
    figures['ui.saveStallStepMs'] = result.stepMs;
    details.saveStall = result;
  });
  await phase('autosave share: snapshot time on the step path over training time, 20 s of each demo', async () => {
    const runs: Record<string, unknown> = {};
    let worst = 0;
    for (const demo of ['classify2d', 'digits'] as const) {
      const result = await page.evaluate((options) => window.lib.autosaveBench.measureAutosaveShare(options), { demo, backend: 'webgpu' as const, seconds: 20, mnistUrl: MNIST_URL });
      runs[demo] = result;
      worst = Math.max(worst, result.share);
    }
    figures['ui.autosaveShare'] = worst;
    details.autosaveShare = runs;
  });
  await harness.close();

  await phase('startup: navigation to the first completed step (built app, fresh profile)', async () => {
    const openFreshProfile = (run: number) => () => openProfile(testInfo.outputPath(`startup-profile-${run}`), APP_URL);
    await measureStartup(openFreshProfile(0));
    const runs: number[] = [];
    for (let run = 1; run <= REPEATS; run++) runs.push(await measureStartup(openFreshProfile(run)));
    figures['startup.msToFirstStep'] = median(runs);
    details.startupRuns = runs;
    // The same with TensorFlow.js ops: compiling our kernels must not make the first step later.
    const tfjsRuns: number[] = [];
    for (let run = 1; run <= REPEATS; run++) tfjsRuns.push(await measureStartup(openFreshProfile(REPEATS + run), '?kernels=tfjs'));
    figures['startup.msToFirstStepTfjsOps'] = median(tfjsRuns);
    figures['startup.firstStepVsTfjsOps'] = median(runs) / median(tfjsRuns);
    details.startupTfjsOpsRuns = tfjsRuns;
  });

  await phase('frame gaps: the spiral trains and autosaves every 2 s (built app)', async () => {
    const { context, page: app } = await openProfile(testInfo.outputPath('app-profile'), APP_URL);
    try {
      const windows = await measureFrameGaps(app, { autosaveSeconds: 2, warmUpMs: 3000, windowMs: 20_000, windows: REPEATS });
      const perWindow = JSON.stringify(windows.map(({ autosaves, maxGapMs, statusAtMaxGap }) => ({ autosaves, maxGapMs, statusAtMaxGap })));
      expect(windows.map((w) => w.autosaves).every((n) => n > 0), `each 20 s window should hold at least one autosave: ${perWindow}`).toBe(true);
      figures['ui.maxFrameGapMs'] = median(windows.map((w) => w.maxGapMs));
      figures['ui.frameGapWorstMs'] = Math.max(...windows.map((w) => w.maxGapMs));
      figures['ui.autosavesPerWindow'] = median(windows.map((w) => w.autosaves));
      // A gap far longer than any long animation frame was not the page's own work.
      figures['ui.longestAnimationFrameMs'] = Math.max(...windows.map((w) => w.longestFrameMs));
      details.frameWindows = windows;
    } finally {
      await context.close();
    }
  });

  await phase('save latency: a click on Save checkpoint while the spiral trains, to its commit (built app)', async () => {
    for (const [backend, path] of [['cpu', '?backend=cpu'], ['webgpu', '']] as const) {
      const { context, page: app } = await openProfile(testInfo.outputPath(`save-latency-${backend}`), APP_URL);
      try {
        const runs = await measureSaveLatency(app, { path, repeats: REPEATS, warmUpMs: 3000 });
        figures[`ui.saveLatencyMs.${backend}`] = median(runs.map((r) => r.latencyMs));
        figures[`ui.saveLatencyRounds.${backend}`] = median(runs.map((r) => r.latencyMs / r.roundMs));
        details[`saveLatency.${backend}`] = runs;
      } finally {
        await context.close();
      }
    }
  });

  await phase('JavaScript shipped (gzip of every .js under dist/)', async () => {
    const shipped = gzippedJavaScript(DIST_DIR);
    figures['startup.jsGzipKB'] = shipped.totalBytes / 1024;
    details.jsFiles = shipped.files;
  });

  await phase('report', async () => {
    const results = { machine: machine!, figures, details };
    console.log(`\n${formatTable(results)}\n`);
    const problems = findProblems(results);
    expect(problems, 'results.json would be malformed, so it was not written').toEqual([]);
    writeResults(RESULTS_PATH, results);
    console.log(`Wrote ${RESULTS_PATH}`);
  });
});

/** The browser half of results.json's `machine`. */
function describeBrowser(page: Page): Promise<Omit<MachineInfo, 'cpuModel' | 'readbackMs'>> {
  return page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info;
    const described = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : '';
    return {
      userAgent: navigator.userAgent,
      webgpuAdapter: adapter ? described || 'unnamed adapter' : null,
      hardwareConcurrency: navigator.hardwareConcurrency,
      date: new Date().toISOString(),
    };
  });
}
