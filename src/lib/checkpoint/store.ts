/**
 * The checkpoint store: one open connection to the `webgpu-playground` database and the
 * operations the app needs. Every method is a thin call into the step modules, which tests
 * also use one by one. Works in a window or a Web Worker.
 */
import { StoreClosedError } from './errors.ts';
import { describeDataLoss } from './messages.ts';
import { loadCheckpoint, loadLatestIntact } from './load.ts';
import { deleteCheckpointRecords, refreshStoredRun } from './record-updates.ts';
import { assertRetain, DEFAULT_RETAIN } from './retention.ts';
import { saveCheckpoint, storageEstimate, type SaveOptions } from './save.ts';
import { DEFAULT_DB_NAME, openPlaygroundDB, runRange, type ClosedReason, type PlaygroundDBConnection } from './schema.ts';
import { sweep } from './sweep.ts';
import { toCheckpointSummary, toRunSummary } from './summaries.ts';
import { inTransaction } from './transaction.ts';
import type {
  CheckpointInput,
  CheckpointSummary,
  LoadedCheckpoint,
  LoadLatestResult,
  RunSummary,
  SaveResult,
  SweepReport,
  UsageReport,
} from './types.ts';

export interface CheckpointStoreOptions {
  /** Default 'webgpu-playground'; tests pass their own. */
  dbName?: string;
  /**
   * This connection was closed: another tab opened a newer schema, the database was deleted,
   * or the browser ended it. Every later call throws StoreClosedError; after 'upgrade' tell
   * the user to reload this tab, after 'deleted'/'terminated' open a fresh store.
   */
  onVersionChange?: (reason: ClosedReason) => void;
  /** Opening waits for another tab that holds an older schema; tell the user to reload or close it. */
  onBlocked?: () => void;
  /** Newest checkpoints per run to keep besides the best; default 3. */
  retain?: number;
}

/** Opens the database and sweeps what killed saves left behind, before anything reads it. */
export async function openCheckpointStore(options: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
  const retain = options.retain ?? DEFAULT_RETAIN;
  assertRetain(retain);
  let store: CheckpointStore | undefined;
  // The connection can be closed under us while the first sweep still runs.
  let closedDuringOpen = false;
  let dataLossMessage: string | null = null;
  const db = await openPlaygroundDB(options.dbName ?? DEFAULT_DB_NAME, {
    onBlocked: options.onBlocked,
    onDataLoss: (reason) => (dataLossMessage = describeDataLoss(reason)),
    onVersionChange(reason) {
      closedDuringOpen = true;
      store?.markClosed();
      options.onVersionChange?.(reason);
    },
  });
  try {
    store = new CheckpointStore(db, { retain, initialSweep: await sweep(db), dataLossMessage });
    if (closedDuringOpen) store.markClosed();
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}

export class CheckpointStore {
  /** What the sweep on open cleaned up; its `message` is ready to show. */
  readonly initialSweep: SweepReport;
  /**
   * Set when the browser found the database corrupt and recreated it empty while opening
   * (Chromium reports this); a sentence to show, since every earlier checkpoint is gone.
   */
  readonly dataLossMessage: string | null;
  readonly #db: PlaygroundDBConnection;
  readonly #retain: number;
  #closed = false;

  /** Use openCheckpointStore(), which sweeps first. */
  constructor(
    db: PlaygroundDBConnection,
    opened: { retain: number; initialSweep: SweepReport; dataLossMessage: string | null },
  ) {
    this.#db = db;
    this.#retain = opened.retain;
    this.initialSweep = opened.initialSweep;
    this.dataLossMessage = opened.dataLossMessage;
  }

  /** The connection, for the exported step functions (tests, benchmarks). */
  get db(): PlaygroundDBConnection {
    if (this.#closed) throw new StoreClosedError();
    return this.#db;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async sweep(): Promise<SweepReport> {
    return sweep(this.db);
  }

  /** Encodes, writes, verifies and commits one checkpoint. Resolves only once it is durable. */
  async save(input: CheckpointInput, options: SaveOptions = {}): Promise<SaveResult> {
    try {
      return await saveCheckpoint(this.db, input, { retain: this.#retain, ...options });
    } catch (error) {
      // Another tab's upgrade closed the connection mid-save: say that, not "write aborted".
      if (this.#closed) throw new StoreClosedError({ cause: error });
      throw error;
    }
  }

  async listRuns(): Promise<RunSummary[]> {
    const runs = await this.db.getAll('runs');
    return runs.sort((a, b) => b.updatedAt - a.updatedAt).map(toRunSummary);
  }

  /** The run's checkpoints, newest first. */
  async list(runId: string): Promise<CheckpointSummary[]> {
    const tx = this.db.transaction(['checkpoints', 'runs'], 'readonly');
    const [records, run] = await inTransaction(tx, () =>
      Promise.all([tx.objectStore('checkpoints').index('by-run').getAll(runRange(runId)), tx.objectStore('runs').get(runId)]),
    );
    return records.sort((a, b) => b.seq - a.seq).map((r) => toCheckpointSummary(r, run));
  }

  /** One checkpoint, verified; throws CheckpointCorruptError (and marks it) if it is damaged. */
  async load(checkpointId: string): Promise<LoadedCheckpoint> {
    return loadCheckpoint(this.db, checkpointId);
  }

  /** The newest intact checkpoint of the run, or null if it has none; `message` explains a fallback. */
  async loadLatest(runId: string): Promise<LoadLatestResult | null> {
    return loadLatestIntact(this.db, runId);
  }

  /** Deletes a checkpoint and its chunks, and moves the run's pointers, in one transaction. */
  async remove(checkpointId: string): Promise<void> {
    const tx = this.db.transaction(['checkpoints', 'chunks', 'runs'], 'readwrite', { durability: 'strict' });
    const checkpoints = tx.objectStore('checkpoints');
    await inTransaction(tx, async () => {
      const record = await checkpoints.get(checkpointId);
      if (!record) return;
      await Promise.all(deleteCheckpointRecords(checkpoints, tx.objectStore('chunks'), checkpointId));
      await refreshStoredRun(checkpoints, tx.objectStore('runs'), record.runId, Date.now());
    });
  }

  /** Deletes a run with all its checkpoints and chunks, in one transaction. */
  async removeRun(runId: string): Promise<void> {
    const tx = this.db.transaction(['checkpoints', 'chunks', 'runs'], 'readwrite', { durability: 'strict' });
    const checkpoints = tx.objectStore('checkpoints');
    await inTransaction(tx, async () => {
      const ids = (await checkpoints.index('by-run').getAllKeys(runRange(runId))) as string[];
      await Promise.all([
        ...ids.flatMap((id) => deleteCheckpointRecords(checkpoints, tx.objectStore('chunks'), id)),
        tx.objectStore('runs').delete(runId),
      ]);
    });
  }

  async renameRun(runId: string, name: string): Promise<void> {
    const tx = this.db.transaction('runs', 'readwrite');
    await inTransaction(tx, async () => {
      const run = await tx.store.get(runId);
      if (run) await tx.store.put({ ...run, name, updatedAt: Date.now() });
    });
  }

  /** Bytes per run, and what the browser reports for the whole site. */
  async usage(): Promise<UsageReport> {
    const runs = await this.db.getAll('runs');
    let persisted: boolean | null = null;
    try {
      persisted = await navigator.storage.persisted();
    } catch {
      // No Storage API here (old browser, some workers): report null.
    }
    return {
      runs: runs.map((r) => ({ runId: r.id, name: r.name, bytes: r.bytes, checkpointCount: r.checkpointCount })),
      estimate: await storageEstimate(),
      persisted,
    };
  }

  close(): void {
    this.#closed = true;
    this.#db.close();
  }

  /** Called when another tab's upgrade closed the connection. */
  markClosed(): void {
    this.#closed = true;
  }
}
