// (d) Damaged bytes are never loaded in silence: the checkpoint is marked corrupt, the run
// falls back to its newest intact checkpoint, and the result says so.
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, launchProfile, openHarness } from './support/checkpoint-fixtures.ts';

test('a flipped byte in a committed chunk makes loadLatest fall back, with a message, and the mark persists', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.checkpointScenarios.flippedByteFallback('flip'));
  expect(result.loadedStep).toBe(100);
  expect(result.message).toBe('The checkpoint at step 200 is damaged (chunk 2 of 3 does not match its xxh64 checksum), so the run was loaded from step 100 instead.');
  expect(result.skipped).toEqual([200]);
  expect(result.direct).toBe('CheckpointCorruptError');
  // Pointers never name a damaged checkpoint, even though step 200 had the lower loss.
  expect(result.list).toEqual([
    { step: 200, corrupt: true, isLatest: false, isBest: false },
    { step: 100, corrupt: false, isLatest: true, isBest: true },
  ]);
  expect(result.againStep).toBe(100);
  expect(result.againMessage).toContain('step 200 is damaged');
});

test('a deleted chunk makes loadLatest fall back; with every checkpoint damaged it refuses to load', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.checkpointScenarios.deletedChunkFallback('missing'));
  expect(result.loadedStep).toBe(1);
  expect(result.message).toBe('The checkpoint at step 2 is damaged (chunk 3 of 3 is missing), so the run was loaded from step 1 instead.');
  expect(result.none?.name).toBe('NoIntactCheckpointError');
  expect(result.none?.message).toContain('None of the 2 checkpoints of this run could be loaded');
});

test('a chunk whose file vanished from disk is treated as damage', async ({ context, page, launchOptions, baseURL }, testInfo) => {
  const profile = testInfo.outputPath('user-data-dir');
  const idbDir = join(profile, 'Default', 'IndexedDB');
  let filesOfOlder: Set<string> = new Set();
  await test.step('save two checkpoints; Chromium stores each Blob chunk as a file of its own', async () => {
    await page.evaluate(async () => {
      const { checkpoint, checkpointTesting } = window.lib;
      const store = await checkpoint.openCheckpointStore({ dbName: 'unreadable' });
      await store.save(checkpointTesting.makeInput('r', 1, 300_000), { chunkSize: 131_072 });
      store.close();
    });
    filesOfOlder = new Set(blobFiles(idbDir));
    await page.evaluate(async () => {
      const { checkpoint, checkpointTesting } = window.lib;
      const store = await checkpoint.openCheckpointStore({ dbName: 'unreadable' });
      await store.save(checkpointTesting.makeInput('r', 2, 300_000), { chunkSize: 131_072 });
      store.close();
    });
    await context.close();
  });

  await test.step("delete the newer checkpoint's files, as a disk cleaner or a failing disk might", async () => {
    const newer = blobFiles(idbDir).filter((file) => !filesOfOlder.has(file));
    expect(filesOfOlder.size).toBeGreaterThan(0);
    expect(newer.length).toBeGreaterThan(0);
    for (const file of newer) rmSync(file);
  });

  await test.step('relaunch on the same profile: loadLatest falls back to step 1 and says why', async () => {
    const relaunched = await launchProfile(profile, launchOptions, baseURL);
    try {
      const again = relaunched.pages()[0] ?? (await relaunched.newPage());
      await openHarness(again);
      const result = await again.evaluate(async () => {
        const { checkpoint } = window.lib;
        const store = await checkpoint.openCheckpointStore({ dbName: 'unreadable' });
        const loaded = await store.loadLatest('r');
        const list = await store.list('r');
        store.close();
        return { step: loaded?.manifest.step, message: loaded?.message, corrupt: list.filter((c) => c.corrupt).map((c) => c.step) };
      });
      expect(result.step).toBe(1);
      expect(result.message).toMatch(
        /^The checkpoint at step 2 is damaged \(chunk 1 of 3 could not be read from disk \((NotFoundError|NotReadableError)\)\), so the run was loaded from step 1 instead\.$/,
      );
      expect(result.corrupt).toEqual([2]);
    } finally {
      await relaunched.close();
    }
  });
});

test('a database the browser had to wipe is reported, not shown as silently empty', async ({ context, page, launchOptions, baseURL }, testInfo) => {
  const profile = testInfo.outputPath('user-data-dir');
  await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'wiped' });
    await store.save(checkpointTesting.makeInput('r', 1, 8_000), { chunkSize: 4096 });
    store.close();
  });
  await context.close();
  // Overwrite LevelDB's own files: the browser can no longer open the database at all.
  const leveldb = join(profile, 'Default', 'IndexedDB');
  for (const dir of readdirSync(leveldb).filter((name) => name.endsWith('.indexeddb.leveldb'))) {
    for (const file of readdirSync(join(leveldb, dir)).filter((name) => /^MANIFEST|\.log$|\.ldb$/.test(name))) {
      const path = join(leveldb, dir, file);
      writeFileSync(path, Buffer.alloc(statSync(path).size, 0x5a));
    }
  }
  const relaunched = await launchProfile(profile, launchOptions, baseURL);
  try {
    const again = relaunched.pages()[0] ?? (await relaunched.newPage());
    await openHarness(again);
    const result = await again.evaluate(async () => {
      const store = await window.lib.checkpoint.openCheckpointStore({ dbName: 'wiped' });
      const runs = await store.listRuns();
      store.close();
      return { message: store.dataLossMessage, runs: runs.length };
    });
    expect(result.runs).toBe(0);
    expect(result.message).toMatch(/^The browser found its checkpoint database damaged and had to start it afresh, so earlier checkpoints are gone/);
  } finally {
    await relaunched.close();
  }
});

/** Every file under the origin's IndexedDB blob directories. */
function blobFiles(idbDir: string): string[] {
  return readdirSync(idbDir)
    .filter((name) => name.endsWith('.indexeddb.blob'))
    .flatMap((dir) => listFiles(join(idbDir, dir)));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
