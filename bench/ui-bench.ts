// The built app as a user meets it (preview server): how smooth the page stays while it
// trains and autosaves, how soon the first step lands after navigation, and how much
// JavaScript it ships. Runs in Node, driving pages through the e2e page object.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { PlaygroundPage } from '../test/e2e/fixtures.ts';

/** One window of requestAnimationFrame callbacks on the app page. */
export interface FrameWindow {
  /** Longest time between two consecutive frames, in ms. */
  maxGapMs: number;
  frames: number;
  /** Autosaves that completed during the window, read from the save status. */
  autosaves: number;
  /** The save status when the longest gap ended: tells whether a save was in flight. */
  statusAtMaxGap: string;
  /**
   * Frames whose main-thread work took over 50 ms (PerformanceObserver 'long-animation-frame').
   * A long gap without one was not the page's own work but the compositor, GPU process or OS.
   */
  longFrames: number;
  longestFrameMs: number;
  /** The scripts that ran in the longest such frame, e.g. "Worker.onmessage 80 ms". */
  longestFrameScripts: string;
}

export interface FrameGapOptions {
  /** Query or hash after the app's root, e.g. '?backend=cpu'; default none. */
  path?: string;
  autosaveSeconds: number;
  /** Recorded and thrown away: the first frames after Train include the run's start-up. */
  warmUpMs: number;
  windowMs: number;
  windows: number;
}

/**
 * Opens the app, sets the autosave interval, presses Train and records frame gaps in
 * consecutive windows while the spiral trains and saves. Pauses at the end.
 */
export async function measureFrameGaps(page: Page, options: FrameGapOptions): Promise<FrameWindow[]> {
  const playground = new PlaygroundPage(page);
  await playground.open(options.path);
  await playground.autosaveInput.fill(String(options.autosaveSeconds));
  await playground.trainButton.click();
  await expect(playground.pauseButton).toBeVisible();
  await page.evaluate(recordFrames, options.warmUpMs);
  const windows: FrameWindow[] = [];
  for (let i = 0; i < options.windows; i++) windows.push(await page.evaluate(recordFrames, options.windowMs));
  await playground.pauseButton.click();
  await expect(playground.trainButton).toBeVisible();
  return windows;
}

/** Runs in the page; self-contained because Playwright sends it as source text. */
function recordFrames(durationMs: number): Promise<FrameWindow> {
  return new Promise((resolve) => {
    const status = document.querySelector('[data-testid="save-status"]');
    let autosaves = 0;
    let lastStatus = status?.textContent ?? '';
    const observer = new MutationObserver(() => {
      const text = status?.textContent ?? '';
      if (text !== lastStatus && /\(autosave\)\.$/.test(text)) autosaves += 1;
      lastStatus = text;
    });
    if (status) observer.observe(status, { childList: true, characterData: true, subtree: true });
    type ScriptTiming = { invoker: string; duration: number };
    let longFrames = 0;
    let longestFrameMs = 0;
    let longestFrameScripts = '';
    const longFrameObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { scripts?: ScriptTiming[] })[]) {
        longFrames += 1;
        if (entry.duration <= longestFrameMs) continue;
        longestFrameMs = entry.duration;
        longestFrameScripts = (entry.scripts ?? []).map((s) => `${s.invoker} ${Math.round(s.duration)} ms`).join(', ');
      }
    });
    longFrameObserver.observe({ type: 'long-animation-frame' });
    let maxGapMs = 0;
    let statusAtMaxGap = '';
    let frames = 0;
    let last = -1;
    let end = Infinity;
    const tick = (now: number) => {
      if (last < 0) end = now + durationMs;
      else if (now - last > maxGapMs) {
        maxGapMs = now - last;
        statusAtMaxGap = status?.textContent ?? '';
      }
      last = now;
      frames += 1;
      if (now < end) {
        requestAnimationFrame(tick);
        return;
      }
      observer.disconnect();
      longFrameObserver.disconnect();
      resolve({ maxGapMs, frames, autosaves, statusAtMaxGap, longFrames, longestFrameMs, longestFrameScripts });
    };
    requestAnimationFrame(tick);
  });
}

/**
 * Milliseconds from navigation to the first completed step, as a first-time visitor sees
 * it: a fresh profile (cold cache, no service worker), click Step as soon as it is enabled,
 * and the step readout showing 1. The time is taken in the page, against navigation start.
 */
export async function measureStartup(openFreshProfile: () => Promise<{ context: BrowserContext; page: Page }>, path = ''): Promise<number> {
  const { context, page } = await openFreshProfile();
  try {
    await page.addInitScript(watchFirstStep);
    const playground = new PlaygroundPage(page);
    await page.goto(`/${path}`);
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
    return await page.evaluate(() => (window as unknown as { msToFirstStep: number }).msToFirstStep);
  } finally {
    await context.close();
  }
}

/** Runs in the page before its scripts: notes performance.now() when the step readout first shows 1. */
function watchFirstStep(): void {
  const observer = new MutationObserver(() => {
    if (document.querySelector('[data-testid="step"]')?.textContent !== '1') return;
    (window as unknown as { msToFirstStep: number }).msToFirstStep = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { childList: true, characterData: true, subtree: true });
}

/** Every .js file under `distDir` (main bundle, worker, service worker), gzipped with zlib's defaults. */
export function gzippedJavaScript(distDir: string): { totalBytes: number; files: { path: string; gzipBytes: number }[] } {
  const files = readdirSync(distDir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.js'))
    .sort()
    .map((path) => ({ path, gzipBytes: gzipSync(readFileSync(join(distDir, path))).byteLength }));
  if (files.length === 0) throw new Error(`There is no JavaScript under ${relative(process.cwd(), distDir) || distDir}; run \`npm run build\` first.`);
  return { totalBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0), files };
}

/** One click on Save checkpoint while training, timed to its commit. */
export interface SaveLatency {
  /** From the click to the status line saying this save committed. */
  latencyMs: number;
  /** Median time between two progress updates (one readback round) just before the click. */
  roundMs: number;
}

/**
 * Opens the app, trains, and clicks Save checkpoint `repeats` times, each after the
 * training has settled into its rounds again; autosave is off so only the click saves.
 */
export async function measureSaveLatency(page: Page, options: { path?: string; repeats: number; warmUpMs: number }): Promise<SaveLatency[]> {
  const playground = new PlaygroundPage(page);
  await playground.open(options.path);
  await playground.autosaveInput.fill('0');
  await playground.autosaveInput.blur();
  await playground.trainButton.click();
  await expect(playground.pauseButton).toBeVisible();
  await page.waitForTimeout(options.warmUpMs);
  const results: SaveLatency[] = [];
  for (let i = 0; i < options.repeats; i++) results.push(await page.evaluate(timeOneSave));
  await playground.pauseButton.click();
  await expect(playground.trainButton).toBeVisible();
  return results;
}

/** Runs in the page; self-contained because Playwright sends it as source text. */
function timeOneSave(): Promise<SaveLatency> {
  const stepReadout = document.querySelector('[data-testid="step"]')!;
  const status = document.querySelector('[data-testid="save-status"]')!;
  const saveButton = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Save checkpoint')!;
  return new Promise((resolve) => {
    // 1. Watch six progress updates to learn how long a round takes right now.
    const changes: number[] = [];
    const rounds = new MutationObserver(() => {
      changes.push(performance.now());
      if (changes.length < 7) return;
      rounds.disconnect();
      const gaps = changes.slice(1).map((t, i) => t - changes[i]).sort((a, b) => a - b);
      const roundMs = gaps[Math.floor(gaps.length / 2)];
      // 2. Click, and wait for the status line to name a manual save of a step at or after the click.
      const stepAtClick = Number(stepReadout.textContent);
      const clicked = performance.now();
      const saved = new MutationObserver(() => {
        const match = /^Saved step (\d+) \(manual\)\.$/.exec(status.textContent ?? '');
        if (!match || Number(match[1]) < stepAtClick) return;
        saved.disconnect();
        resolve({ latencyMs: performance.now() - clicked, roundMs });
      });
      saved.observe(status, { childList: true, characterData: true, subtree: true });
      saveButton.click();
    });
    rounds.observe(stepReadout, { childList: true, characterData: true, subtree: true });
  });
}
