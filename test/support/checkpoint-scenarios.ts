// Checkpoint-store scenarios that run inside a browser page, shared by the Chromium specs
// (Playwright, test/browser/checkpoint-*.spec.ts) and the Firefox tests (Vitest with
// puppeteer-core, test/firefox/). harness.html exposes them as window.lib.checkpointScenarios,
// checkpoint-page.html as window.checkpointLib.checkpointScenarios. Each one does the work
// and returns plain data; the test that calls it decides what must hold.
import * as checkpoint from '../../src/lib/checkpoint/index.ts';
import type { CheckpointStore, SaveProgress, TensorData } from '../../src/lib/checkpoint/index.ts';
import { flipStoredBit, inspectStore, makeInput, randomFloats, sameTensors } from '../browser/support/checkpoint-helpers.ts';

/** Float32 and int32 edge values over tiny chunks, with the temp writes batched three ways. */
export async function roundTripEdgeCases(dbName: string) {
  const store = await checkpoint.openCheckpointStore({ dbName });
  const bits = (words: number[]) => new Float32Array(Uint32Array.from(words).buffer);
  const tensors: TensorData[] = [
    // -0, the smallest denormal, the largest finite float, 1 ulp above 1, and plain values.
    { name: 'special', dtype: 'float32', shape: [2, 3], values: bits([0x80000000, 0x00000001, 0x7f7fffff, 0x3f800001, 0x3f800000, 0xbf800000]) },
    { name: 'empty', dtype: 'float32', shape: [0], values: new Float32Array(0) },
    { name: 'int-extremes', dtype: 'int32', shape: [5], values: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, -1, 123456789) },
    { name: 'scalar-float', dtype: 'float32', shape: [], values: Float32Array.of(Math.PI) },
    { name: 'scalar-int', dtype: 'int32', shape: [], values: Int32Array.of(-7) },
    { name: 'empty-2d', dtype: 'int32', shape: [3, 0], values: new Int32Array(0) },
    { name: 'long', dtype: 'float32', shape: [7, 11], values: randomFloats(77, 5) },
  ];
  const input = { runId: 'r', step: 3, loss: 0.5, config: { a: 1 }, metrics: { trainLoss: 0.5 }, state: { note: 'ünïcode ✓' }, tensors };
  // 20-byte chunks: most tensors start mid-chunk and several span three or more chunks.
  // Chunks inside one tensor are views of it, the others are assembled copies. The temp
  // writes go in one transaction (the default), in 50-byte batches, and one chunk each.
  const sameEveryWay: boolean[] = [];
  for (const tempBatchBytes of [undefined, 50, 1]) {
    const { id } = await store.save({ ...input, step: sameEveryWay.length + 1 }, { chunkSize: 20, tempBatchBytes });
    sameEveryWay.push(sameTensors(tensors, (await store.load(id)).tensors));
  }
  const saved = await store.save(input, { chunkSize: 20 });
  const loaded = await store.load(saved.id);
  const spanning = loaded.manifest.tensors.filter((t) => t.offset + t.length > 20).map((t) => t.name);
  store.close();
  return {
    sameEveryWay,
    same: sameTensors(tensors, loaded.tensors),
    state: loaded.manifest.state,
    chunkCount: loaded.manifest.chunks.length,
    totalBytes: loaded.manifest.totalBytes,
    spanning,
  };
}

/** A checkpoint of about `bytes` random bytes, saved with the default chunk size and loaded back. */
export async function roundTripOfSize(dbName: string, bytes: number) {
  const store = await checkpoint.openCheckpointStore({ dbName });
  const input = makeInput('big', 100, bytes);
  const saved = await store.save(input);
  const loaded = await store.load(saved.id);
  store.close();
  return {
    same: sameTensors(input.tensors, loaded.tensors),
    bytes: saved.bytes,
    chunks: loaded.manifest.chunks.length,
    chunkSize: loaded.manifest.chunkSize,
  };
}

/** Saves, sweeps and loads in a dedicated module worker (test/browser/support/checkpoint-worker.ts) and returns what it reports. */
export function storeInWorker(dbName: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/test/browser/support/checkpoint-worker.ts', { type: 'module' });
    worker.onmessage = (event) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`The worker failed to start: ${event.message}`));
    worker.postMessage({ dbName });
  });
}

/** Flips a bit of the newer of two checkpoints, loads the run, then reopens the store and loads it again. */
export async function flippedByteFallback(dbName: string) {
  let store = await checkpoint.openCheckpointStore({ dbName });
  await store.save(makeInput('r', 100, 10_000, { loss: 0.5 }), { chunkSize: 4096 });
  const newest = await store.save(makeInput('r', 200, 10_000, { loss: 0.4 }), { chunkSize: 4096 });
  await flipStoredBit(store.db, 'chunks', [newest.id, 1], 17);

  const fallback = await store.loadLatest('r');
  const direct = await store.load(newest.id).then(
    () => null,
    (e: Error) => e.name,
  );
  store.close();
  // A new session sees the mark: the damaged checkpoint is skipped without re-reading it.
  store = await checkpoint.openCheckpointStore({ dbName });
  const list = await store.list('r');
  const again = await store.loadLatest('r');
  store.close();
  return {
    loadedStep: fallback?.manifest.step,
    message: fallback?.message,
    skipped: fallback?.skipped.map((s) => s.step),
    direct,
    list: list.map(({ step, corrupt, isLatest, isBest }) => ({ step, corrupt, isLatest, isBest })),
    againStep: again?.manifest.step,
    againMessage: again?.message,
  };
}

/** Deletes a chunk of the newer checkpoint and loads; then damages the older one's manifest and loads again. */
export async function deletedChunkFallback(dbName: string) {
  const store = await checkpoint.openCheckpointStore({ dbName });
  const older = await store.save(makeInput('r', 1, 10_000), { chunkSize: 4096 });
  const newest = await store.save(makeInput('r', 2, 10_000), { chunkSize: 4096 });
  await store.db.delete('chunks', [newest.id, 2]);
  const fallback = await store.loadLatest('r');

  // Now damage the last intact one too: the manifest this time.
  const record = (await store.db.get('checkpoints', older.id))!;
  await store.db.put('checkpoints', { ...record, manifest: { ...record.manifest, step: 7 } });
  const none = await store.loadLatest('r').then(
    () => null,
    (e: Error) => ({ name: e.name, message: e.message }),
  );
  store.close();
  return { loadedStep: fallback?.manifest.step, message: fallback?.message, none };
}

/** Ten saves with retain 3; the loss is lowest at step 2, so that one is the best and outlives retention. */
export async function retentionAfterTenSaves(dbName: string) {
  const store = await checkpoint.openCheckpointStore({ dbName, retain: 3 });
  const losses = [0.9, 0.8, 0.1, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3];
  const removed: string[] = [];
  for (let step = 0; step < losses.length; step++) {
    const saved = await store.save(makeInput('r', step, 3000, { loss: losses[step] }), { chunkSize: 1024 });
    removed.push(...saved.removedIds);
  }
  const list = await store.list('r');
  const [run] = await store.listRuns();
  store.close();
  return { list, run, removed: removed.length, inspection: await inspectStore(dbName) };
}

/** One kept checkpoint, a dead save's temp records and a chunk without a manifest; then two sweeps. */
export async function sweepDeadSaves(dbName: string) {
  const store = await checkpoint.openCheckpointStore({ dbName });
  const kept = await store.save(makeInput('r', 1, 5000), { chunkSize: 2048 });
  const { db } = store;
  // A save that died after writing temp: nobody holds its lock.
  const encoded = await checkpoint.encodeCheckpoint(makeInput('r', 2, 3_000_000), { id: 'dead-save', chunkSize: 1_000_000 });
  await checkpoint.writeTemp(db, encoded);
  // A chunk without a manifest, as a buggy writer could leave.
  await db.put('chunks', { checkpointId: 'nobody', index: 0, data: new ArrayBuffer(1000) });
  const first = await store.sweep();
  const second = await store.sweep();
  const loaded = await store.load(kept.id);
  store.close();
  return { first, second, deadBytes: encoded.manifest.totalBytes, loadedStep: loaded.manifest.step, inspection: await inspectStore(dbName) };
}

/** As in a browser without Web Locks: a save, an unfinished save, and sweeps at two ages. Hides navigator.locks in this page for good. */
export async function sweepWithoutWebLocks(dbName: string) {
  Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
  const store = await checkpoint.openCheckpointStore({ dbName });
  const saved = await store.save(makeInput('r', 1, 20_000), { chunkSize: 8192 });
  // An unfinished save: its temp records, and no lock anywhere could say whether it is alive.
  const unfinished = await checkpoint.encodeCheckpoint(makeInput('r', 2, 20_000), { id: 'unfinished', chunkSize: 8192 });
  await checkpoint.writeTemp(store.db, unfinished);
  const maxAge = checkpoint.DEFAULT_MAX_TEMP_AGE_MS;
  // Younger than the limit: a save in another tab may still be writing it.
  const recent = await checkpoint.sweep(store.db, { now: Date.now() + maxAge / 2 });
  const afterRecent = await inspectStore(dbName);
  const old = await checkpoint.sweep(store.db, { now: Date.now() + maxAge * 2 });
  const loaded = await store.load(saved.id);
  store.close();
  return { recent, afterRecent, old, loadedStep: loaded.manifest.step, after: await inspectStore(dbName) };
}

// Two tabs. Tab A pauses a save between verify and commit; tab B sweeps beside it.

/** Tab A's save held before its commit, until resumePausedSave() is called in the same tab. */
let pausedSave: { resume: () => void; saved: Promise<unknown> } | null = null;

/** Tab A: saves step 1, then starts step 2 and resolves once that save waits right before its commit. */
export async function startPausedSave(dbName: string): Promise<void> {
  const store = await checkpoint.openCheckpointStore({ dbName });
  await store.save(makeInput('r', 1, 20_000), { chunkSize: 8192 });
  let resume!: () => void;
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  await new Promise<void>((paused, failed) => {
    const saved = store.save(makeInput('r', 2, 20_000), {
      chunkSize: 8192,
      beforeCommit: () => {
        paused();
        return resumed;
      },
    });
    saved.catch(failed);
    pausedSave = { resume, saved };
  });
}

/** Tab B: writes a dead save's temp records beside A's live one, opens the store (which sweeps) and sweeps again. */
export async function sweepBesideLiveSave(dbName: string) {
  const before = await inspectStore(dbName);
  // The leftovers of a dead save (written without a lock), so the sweep demonstrably runs
  // and tells the two apart.
  const raw = await checkpoint.openPlaygroundDB(dbName);
  const dead = await checkpoint.encodeCheckpoint(makeInput('r', 9, 20_000), { id: 'dead-save', chunkSize: 8192 });
  await checkpoint.writeTemp(raw, dead);
  raw.close();
  const store = await checkpoint.openCheckpointStore({ dbName });
  const again = await store.sweep();
  store.close();
  const after = await inspectStore(dbName);
  return { before, initial: store.initialSweep, again, after };
}

/** Tab A: lets the paused save commit and returns what it resolved with. */
export async function resumePausedSave() {
  if (!pausedSave) throw new Error('No save is paused in this tab: call startPausedSave() first.');
  pausedSave.resume();
  const saved = (await pausedSave.saved) as { step: number; isLatest: boolean };
  pausedSave = null;
  return saved;
}

/** Any tab: the run's newest intact checkpoint and the raw stores. */
export async function loadLatestAndInspect(dbName: string, runId: string) {
  const store = await checkpoint.openCheckpointStore({ dbName });
  const latest = await store.loadLatest(runId);
  store.close();
  return { step: latest?.manifest.step, message: latest?.message, inspection: await inspectStore(dbName) };
}

/** Tab A's store, kept open while another tab upgrades the schema, and what it was told. */
let upgradeWatch: { store: CheckpointStore; events: string[] } | null = null;

/** Tab A: opens the store, saves once, and records versionchange notices. */
export async function openStoreWatchingUpgrades(dbName: string): Promise<void> {
  const events: string[] = [];
  const store = await checkpoint.openCheckpointStore({ dbName, onVersionChange: () => events.push('versionchange') });
  await store.save(makeInput('r', 1, 1000));
  upgradeWatch = { store, events };
}

/**
 * Tab B: a raw open with a higher version, as a newer build of the app would do. It only
 * succeeds if every other tab closes its connection instead of blocking it.
 */
export function openNewerSchema(dbName: string, version: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(dbName, version);
    request.onsuccess = () => {
      request.result.close();
      resolve(request.result.version);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('The upgrade was blocked by another tab.'));
  });
}

/** Tab A, after tab B's upgrade: what it was told, and what a save now says. */
export async function saveAfterUpgrade() {
  if (!upgradeWatch) throw new Error('No store is watching for upgrades in this tab: call openStoreWatchingUpgrades() first.');
  const { store, events } = upgradeWatch;
  const error = await store.save(makeInput('r', 2, 1000)).then(
    () => null,
    (e: Error) => ({ name: e.name, message: e.message }),
  );
  return { events, closed: store.closed, error };
}

/**
 * With the origin's quota already limited to `quota` bytes: a small save; one about 4/3 of
 * the quota; one of half the quota (fits in temp, but Chromium's commit needs room for a
 * second copy); where the estimate reports the limit, a save that fits when its free-space
 * check runs but finds the space taken by another writer before its first write; and a
 * small save after all of them.
 *
 * Where navigator.storage.estimate() reports the limit (Firefox; Chromium without its static
 * "usage + 10 GiB" quota), the check refuses the first two before writing anything
 * (NotEnoughSpaceError). Where it does not, they fail in their temp writes or at commit.
 *
 * `awaitReclaim`: after a failed save, wait until the browser reports its space free again
 * before the next save. Firefox deletes the files of an aborted transaction's Blobs in the
 * background (9 s after the failure, measured here) and no event says when, so the wait polls
 * navigator.storage.estimate() and gives up after 30 s; `reclaimed` says whether it got there.
 */
export async function savesBeyondQuota(dbName: string, quota: number, options: { awaitReclaim?: boolean } = {}) {
  const store = await checkpoint.openCheckpointStore({ dbName });
  // Random values: zeros would compress and slip under the quota.
  const first = await store.save(makeInput('r', 1, 100_000), { chunkSize: 262_144 });
  const attempt = async (step: number, bytes: number, fillBeforeWrite = 0) => {
    const phases: string[] = [];
    const usageBefore = (await checkpoint.storageEstimate())?.usage ?? 0;
    const beforeWrite = fillBeforeWrite > 0 ? () => fillSpace(fillBeforeWrite) : undefined;
    try {
      await store.save(makeInput('r', step, bytes), { chunkSize: 262_144, beforeWrite, onProgress: (p) => phases.push(p.phase) });
      return { phase: phases.at(-1), error: null };
    } catch (e) {
      const error = e as Error & { cause?: unknown; bytes?: number };
      const inspection = await inspectStore(dbName);
      if (fillBeforeWrite > 0) await deleteDatabase(FILLER_DB);
      // The records are gone at once; the bytes on disk may follow a little later (see above).
      const reclaimed = options.awaitReclaim ? await usageFallsTo(usageBefore + 64 * 1024) : null;
      const cause = error.cause instanceof DOMException ? error.cause : null;
      return {
        phase: phases.at(-1),
        wrote: phases.includes('write'),
        error: { name: error.name, message: error.message, cause: cause?.name, isDOMException: cause !== null, bytes: error.bytes },
        tempRecords: inspection.tempRecords,
        steps: inspection.checkpoints.map((c) => c.step),
        problems: inspection.problems,
        reclaimed,
      };
    }
  };
  const tooBig = await attempt(2, Math.round((quota * 4) / 3));
  const halfQuota = await attempt(3, Math.round(quota / 2));
  const estimate = await checkpoint.storageEstimate();
  const reportsLimit = estimate !== null && estimate.quota <= quota;
  // Leaves half the save's size free once its check has passed.
  const raceBytes = Math.round(quota / 8);
  const tookSpace = reportsLimit ? await attempt(5, raceBytes, estimate.quota - estimate.usage - raceBytes / 2) : null;
  const loaded = await store.load(first.id);
  // The store is not left broken: a save that fits still works.
  const after = await store.save(makeInput('r', 4, 100_000), { chunkSize: 262_144 });
  store.close();
  return { tooBig, halfQuota, tookSpace, reportsLimit, loadedStep: loaded.manifest.step, afterStep: after.step, inspection: await inspectStore(dbName) };
}

const FILLER_DB = 'quota-filler';

/** Another writer of this origin takes `bytes` of its space (random bytes: zeros would compress). */
async function fillSpace(bytes: number): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(FILLER_DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('filler');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const tx = db.transaction('filler', 'readwrite');
  tx.objectStore('filler').put(randomFloats(Math.floor(bytes / 4), 9).buffer, 1);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
  db.close();
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

/** Polls the storage estimate every 100 ms, for at most 30 s, until usage is at most `bytes`. */
async function usageFallsTo(bytes: number): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (((await checkpoint.storageEstimate())?.usage ?? 0) <= bytes) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// Hard kill: the browser is killed mid-save, restarted on the same profile, and inspected.

/** What a save reports to the test while the browser may be killed; `committed` follows save()'s resolution. */
export interface SaveEvent {
  step: number;
  phase: SaveProgress['phase'] | 'committed' | 'failed';
  bytesDone: number;
  bytesTotal: number;
  at: number;
  error?: string;
}

/** The store opened by inspectAfterRestart(), which saveUntilKilled() saves with. */
let restartedStore: CheckpointStore | null = null;

/**
 * After a restart: inspects the raw stores before the sweep, opens the store (which sweeps),
 * inspects again and loads the run's newest checkpoint, comparing it with what makeInput()
 * built for that step.
 */
export async function inspectAfterRestart(dbName: string, runId: string, bytes: number) {
  const before = await inspectStore(dbName);
  const store = await checkpoint.openCheckpointStore({ dbName });
  restartedStore = store;
  const afterSweep = await inspectStore(dbName);
  const latest = await store.loadLatest(runId);
  const expected = latest && makeInput(runId, latest.manifest.step, bytes).tensors;
  return {
    tempSavesBeforeSweep: before.tempSaves,
    problemsBeforeSweep: before.problems,
    sweep: store.initialSweep.message,
    tempAfterSweep: afterSweep.tempRecords,
    problemsAfterSweep: afterSweep.problems,
    steps: afterSweep.checkpoints.map((c) => c.step),
    latestStep: latest ? latest.manifest.step : null,
    message: latest ? latest.message : null,
    bitExact: latest && expected ? sameTensors(latest.tensors, expected) : null,
  };
}

/**
 * Saves step after step, from `firstStep`, with the store inspectAfterRestart() opened,
 * reporting every phase to `report` (a function the test exposed on the page). It never
 * resolves: it ends when the test kills the browser, or rejects when a save fails.
 */
export async function saveUntilKilled(
  options: { runId: string; firstStep: number; bytes: number; tempBatchBytes: number | undefined; chunkSize?: number },
  report: (event: SaveEvent) => void,
): Promise<never> {
  const store = restartedStore;
  if (!store) throw new Error('No store is open in this page: call inspectAfterRestart() first.');
  for (let step = options.firstStep; ; step++) {
    const input = makeInput(options.runId, step, options.bytes);
    try {
      await store.save(input, {
        tempBatchBytes: options.tempBatchBytes,
        chunkSize: options.chunkSize,
        onProgress: (p) => report({ step, ...p, at: performance.now() }),
      });
    } catch (error) {
      report({ step, phase: 'failed', bytesDone: 0, bytesTotal: 0, at: performance.now(), error: String(error) });
      throw error;
    }
    report({ step, phase: 'committed', bytesDone: 0, bytesTotal: 0, at: performance.now() });
  }
}
