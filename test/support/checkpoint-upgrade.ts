// Schema version 1 -> 2 and format v1 -> v2, in a real browser: a profile written by the v1
// writer is opened by the current store, and tabs on either version meet each other.
// test/browser/checkpoint-upgrade.spec.ts imports it into the harness page as
// window.upgradeScenarios (it brings the worker's Persistence, which checkpoint-page.html,
// kept free of tfjs and the engine, must not load).
import * as checkpoint from '../../src/lib/checkpoint/index.ts';
import { Persistence } from '../../src/lib/worker/persistence.ts';
import type { WorkerEvent } from '../../src/lib/worker/protocol.ts';
import { flipStoredBit, inspectStore, makeInput, sameTensors } from '../browser/support/checkpoint-helpers.ts';
import { openV1Database, writeV1Run, writeV1TempSave } from '../browser/support/checkpoint-v1.ts';
import type { IDBPDatabase } from 'idb';

/** Run 'a': three small checkpoints; run 'b': one of three chunks. Sizes in bytes. */
const V1_RUNS = { a: { steps: [100, 200, 300], bytes: 5_000 }, b: { steps: [50], bytes: 600_000 } } as const;
const V1_CHUNK_SIZE = 262_144;

const countRecords = async (db: IDBPDatabase<any>) =>
  Object.fromEntries(await Promise.all(['runs', 'checkpoints', 'chunks', 'temp'].map(async (s) => [s, await db.count(s)] as const)));

/** Writes a v1 profile: two runs and a save killed after its temp writes. */
export async function writeV1Profile(dbName: string) {
  const db = await openV1Database(dbName);
  const ids: Record<string, string[]> = {};
  for (const [runId, { steps, bytes }] of Object.entries(V1_RUNS)) {
    ids[runId] = await writeV1Run(db, steps.map((step) => makeInput(runId, step, bytes)), V1_CHUNK_SIZE);
  }
  await writeV1TempSave(db, makeInput('a', 400, 5_000), 'v1-killed-save', V1_CHUNK_SIZE);
  const records = await countRecords(db);
  db.close();
  return { ids, records, version: 1 };
}

/**
 * Opens the v1 profile with the current code. First the bare schema upgrade (no sweep), to
 * count what it kept; then the store, which sweeps, and a verified load of every checkpoint,
 * compared bit for bit with what the v1 writer was given.
 */
export async function openV1ProfileWithCurrentCode(dbName: string) {
  const upgraded = await checkpoint.openPlaygroundDB(dbName);
  const records = await countRecords(upgraded);
  const rawRecord = await upgraded.get('checkpoints', 'v1-a-0');
  const tempManifest = await upgraded.get('temp', ['v1-killed-save', 'manifest']);
  upgraded.close();

  const store = await checkpoint.openCheckpointStore({ dbName });
  const loads: { runId: string; step: number; version: number; same: boolean }[] = [];
  for (const [runId, { steps, bytes }] of Object.entries(V1_RUNS)) {
    for (const summary of await store.list(runId)) {
      const loaded = await store.load(summary.id);
      const step = loaded.manifest.step;
      loads.push({ runId, step, version: loaded.manifest.version, same: sameTensors(makeInput(runId, step, bytes).tensors, loaded.tensors) && (steps as readonly number[]).includes(step) });
    }
  }
  const runs = (await store.listRuns()).map((r) => ({ id: r.id, checkpointCount: r.checkpointCount, bytes: r.bytes, latest: r.latest, best: r.best }));
  const latestA = await store.loadLatest('a');

  // A v2 save into the v1 run: retention (last 3 + best) now spans both formats.
  const saved = await store.save(makeInput('a', 400, 5_000));
  const afterSave = (await store.list('a')).map((c) => c.step);
  const latestAfterSave = await store.loadLatest('a');
  // A flipped bit in a v1 chunk is still caught, by its SHA-256.
  await flipStoredBit(store.db, 'chunks', ['v1-b-0', 1], 1000);
  const damaged = await store.loadLatest('b').then(
    () => null,
    (e: Error) => ({ name: e.name, message: e.message }),
  );
  store.close();
  return {
    version: upgraded.version,
    records,
    rawRecord: { keys: Object.keys(rawRecord ?? {}).sort(), manifestChecksum: rawRecord?.manifestChecksum, manifestVersion: rawRecord?.manifest.version },
    tempManifestChecksum: tempManifest && 'manifestChecksum' in tempManifest ? tempManifest.manifestChecksum.algorithm : null,
    initialSweep: store.initialSweep,
    loads,
    runs,
    latestA: latestA && { step: latestA.manifest.step, message: latestA.message },
    saved: { step: saved.step, removedIds: saved.removedIds },
    afterSave,
    latestAfterSave: latestAfterSave && { step: latestAfterSave.manifest.step, version: latestAfterSave.manifest.version },
    damaged,
    inspection: await inspectStore(dbName),
  };
}

// Two tabs: one on the old schema, one on the new.

let oldTab: { db: IDBPDatabase; heard: string[] } | null = null;

/**
 * A tab still running the v1 build: its connection at version 1. With `closes`, it does what
 * the v1 store did on `versionchange` (close, and tell the page, which said "Another tab
 * opened a newer version…"); without, it keeps the connection, as a frozen or hung tab does.
 */
export async function openOldTab(dbName: string, closes: boolean): Promise<void> {
  const heard: string[] = [];
  const db = await openV1Database(dbName, {
    blocking: (connection) => {
      heard.push('versionchange');
      if (closes) connection.close();
    },
  });
  oldTab = { db, heard };
}

export function oldTabHeard(): string[] {
  if (!oldTab) throw new Error('This tab has no old connection: call openOldTab() first.');
  return oldTab.heard;
}

/** The old tab is reloaded (or closed): its connection goes. */
export function closeOldTab(): void {
  oldTab?.db.close();
  oldTab = null;
}

let persistence: { events: WorkerEvent[]; opened: Promise<void>; done: boolean } | null = null;

/** The training worker's Persistence, as a tab of the current build opens it; resolves at once. */
export function startPersistence(): void {
  const events: WorkerEvent[] = [];
  const instance = new Persistence((event) => events.push(event));
  const state = { events, done: false, opened: Promise.resolve() };
  state.opened = instance.open().then(() => void (state.done = true));
  persistence = state;
}

/** The notices Persistence has posted so far, and whether its open() has finished. */
export function persistenceNotices(): { notices: string[]; opened: boolean; runs: string[] } {
  if (!persistence) throw new Error('No Persistence in this tab: call startPersistence() first.');
  const notices = persistence.events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));
  const lists = persistence.events.filter((e) => e.type === 'lists');
  const runs = lists.at(-1)?.runs.map((r) => r.run.id) ?? [];
  return { notices, opened: persistence.done, runs };
}

/** Resolves when Persistence's open() has finished. */
export async function persistenceOpened(): Promise<void> {
  await persistence?.opened;
}
