import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { Checksum } from './checksum.ts';
import type { Manifest, RunSummary } from './types.ts';

export const DEFAULT_DB_NAME = 'webgpu-playground';
/**
 * Bump together with a new `case` in upgrade(). 1: the four stores. 2: checkpoint and temp
 * manifest records say which algorithm hashed their manifest (`manifestChecksum`).
 */
export const DB_VERSION = 2;

/**
 * Chunk bytes as they sit in IndexedDB. Saves write Blob (see FORMAT.md for the
 * measurement); readers also accept ArrayBuffer, so the choice can change without a migration.
 */
export type StoredBytes = ArrayBuffer | Blob;

/**
 * One training run: what listRuns() shows, plus the commit counter. Its pointers only ever
 * name committed, intact checkpoints.
 */
export interface RunRecord extends RunSummary {
  /** Commit order of the run's next checkpoint. */
  nextSeq: number;
}

export interface CorruptMark {
  reason: string;
  at: number;
}

/** One committed checkpoint. Only the commit transaction creates these. */
export interface CheckpointRecord {
  id: string;
  runId: string;
  /** Commit order within the run; "latest" and retention follow it. */
  seq: number;
  manifest: Manifest;
  /** Checksum of JSON.stringify(manifest), so a flipped bit in the header is caught too. */
  manifestChecksum: Checksum;
  corrupt?: CorruptMark;
}

export interface ChunkRecord {
  checkpointId: string;
  index: number;
  data: StoredBytes;
}

export interface TempChunkRecord {
  saveId: string;
  part: number;
  data: StoredBytes;
}

/** Written before any chunk, so every temp chunk has a manifest beside it that sizes it. */
export interface TempManifestRecord {
  saveId: string;
  part: 'manifest';
  createdAt: number;
  manifest: Manifest;
  manifestChecksum: Checksum;
}

export type TempRecord = TempChunkRecord | TempManifestRecord;

export interface PlaygroundDB extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { 'by-run': [string, number] } };
  chunks: { key: [string, number]; value: ChunkRecord };
  temp: { key: [string, number | 'manifest']; value: TempRecord };
}

export type PlaygroundDBConnection = IDBPDatabase<PlaygroundDB>;

/**
 * Why a connection closed under us: another tab upgrades the schema, someone deleted the
 * database (another tab, or "clear site data"), or the browser ended it (eviction, a crash).
 */
export type ClosedReason = 'upgrade' | 'deleted' | 'terminated';

export interface OpenCallbacks {
  /** This connection was closed: see ClosedReason. */
  onVersionChange?: (reason: ClosedReason) => void;
  /** Opening waits until a tab holding an older schema closes or reloads. */
  onBlocked?: () => void;
  /** The browser found the database damaged and recreated it empty (Chromium only); `message` is its reason. */
  onDataLoss?: (message: string) => void;
}

export function openPlaygroundDB(name: string, callbacks: OpenCallbacks = {}): Promise<PlaygroundDBConnection> {
  return openDB<PlaygroundDB>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction, event) {
      // Chromium's non-standard report that it had to wipe a corrupt database.
      const loss = event as IDBVersionChangeEvent & { dataLoss?: string; dataLossMessage?: string };
      if (loss.dataLoss === 'total') callbacks.onDataLoss?.(loss.dataLossMessage ?? '');
      // Each step migrates one version up; a database at version 0 (new) takes them all.
      if (oldVersion < 1) {
        db.createObjectStore('runs', { keyPath: 'id' });
        const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
        checkpoints.createIndex('by-run', ['runId', 'seq']);
        db.createObjectStore('chunks', { keyPath: ['checkpointId', 'index'] });
        db.createObjectStore('temp', { keyPath: ['saveId', 'part'] });
      }
      if (oldVersion < 2) {
        // A failed rewrite aborts the upgrade, and the open fails with the browser's error.
        migrateManifestHashes(transaction).catch(() => abortQuietly(transaction));
      }
    },
    blocked() {
      callbacks.onBlocked?.();
    },
    blocking(_currentVersion, blockedVersion, event) {
      // Staying open would keep the other tab's upgrade (or deletion) waiting forever.
      (event.target as IDBDatabase).close();
      callbacks.onVersionChange?.(blockedVersion === null ? 'deleted' : 'upgrade');
    },
    terminated() {
      callbacks.onVersionChange?.('terminated');
    },
  });
}

type UpgradeTransaction = IDBPTransaction<PlaygroundDB, ('runs' | 'checkpoints' | 'chunks' | 'temp')[], 'versionchange'>;

/** Before v2 a manifest record held `manifestSha256`, a SHA-256 hex string. */
type WithV1Hash<T> = Omit<T, 'manifestChecksum'> & { manifestSha256?: string };

function toV2Record<T extends { manifestChecksum: Checksum }>(record: WithV1Hash<T>): T {
  const { manifestSha256, ...rest } = record;
  return { ...rest, manifestChecksum: { algorithm: 'sha-256', value: manifestSha256 ?? '' } } as T;
}

/**
 * v1 -> v2: every checkpoint record and temp manifest keeps its manifest and gets its SHA-256
 * as `manifestChecksum`. Chunks and runs are not touched. Only IndexedDB requests, inside the
 * upgrade transaction, so the rewrite is all or nothing.
 */
async function migrateManifestHashes(transaction: UpgradeTransaction): Promise<void> {
  let checkpoint = await transaction.objectStore('checkpoints').openCursor();
  while (checkpoint) {
    await checkpoint.update(toV2Record(checkpoint.value as unknown as WithV1Hash<CheckpointRecord>));
    checkpoint = await checkpoint.continue();
  }
  let temp = await transaction.objectStore('temp').openCursor();
  while (temp) {
    if (temp.value.part === 'manifest') await temp.update(toV2Record(temp.value as unknown as WithV1Hash<TempManifestRecord>));
    temp = await temp.continue();
  }
}

function abortQuietly(transaction: UpgradeTransaction): void {
  try {
    transaction.abort();
  } catch {
    // Already aborted by the failed request.
  }
}

/** Every chunk of one committed checkpoint. */
export const chunkRange = (checkpointId: string) => IDBKeyRange.bound([checkpointId, 0], [checkpointId, Infinity]);

/** Every temp record of one save: numbers sort before strings, so the chunks come first and 'manifest' last. */
export const tempRange = (saveId: string) => IDBKeyRange.bound([saveId, -Infinity], [saveId, 'manifest']);

/** Every checkpoint of one run, in commit order, through the 'by-run' index. */
export const runRange = (runId: string) => IDBKeyRange.bound([runId, -Infinity], [runId, Infinity]);
