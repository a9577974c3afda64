/**
 * The save protocol. Each numbered step is its own function so tests can run, pause or
 * break it alone; saveCheckpoint() runs them in order:
 *   1. snapshot   (snapshot.ts, done by the caller at a step boundary)
 *   2. encode     check the input and cut it into chunks; SHA-256 each chunk into a manifest
 *   3. writeTemp  every chunk, then the manifest, into `temp` under a fresh save id
 *   4. verifyTemp read every temp record back and check size and SHA-256
 *   5. commitSave one strict transaction: temp -> chunks, manifest, run pointers, retention
 * Hashing (2) runs while the chunks are written (3): the browser hashes on its own thread and
 * IndexedDB writes in another process, so neither waits for the other. Steps 3-5 run while
 * holding the Web Lock `ckpt-save:<saveId>`, which tells the sweeper in any tab that this
 * save is alive.
 */
import { describeCheckpoint, layOutCheckpoint, manifestSha256 as hashManifest, sha256Hex, type EncodedCheckpoint } from './codec.ts';
import { CheckpointSaveError, CheckpointVerifyError } from './errors.ts';
import { withSaveLock } from './locks.ts';
import { describeSaveFailure } from './messages.ts';
import { assertRetain, chooseRetained, DEFAULT_RETAIN, refreshRun } from './retention.ts';
import { chunkRange, runRange, tempRange, type CheckpointRecord, type PlaygroundDBConnection, type RunRecord } from './schema.ts';
import { readInto } from './chunk-reader.ts';
import { DEFAULT_STORED_BYTES_KIND, storedSize, toStoredBytes, type StoredBytesKind } from './stored-bytes.ts';
import { toCheckpointSummary } from './summaries.ts';
import { inTransaction } from './transaction.ts';
import type { CheckpointInput, SaveProgress, SaveResult } from './types.ts';

export interface SaveOptions {
  onProgress?: (progress: SaveProgress) => void;
  /** Newest checkpoints of the run to keep besides the best; default DEFAULT_RETAIN. */
  retain?: number;
  /** Default DEFAULT_CHUNK_SIZE. */
  chunkSize?: number;
  /** How chunk bytes go into IndexedDB; only benchmarks change it. */
  storedBytes?: StoredBytesKind;
  /** Bytes of chunks per temp write transaction; default TEMP_WRITE_BATCH_BYTES. */
  tempBatchBytes?: number;
  /** Test hook: awaited after verify and before commit, while the save's lock is held. */
  beforeCommit?: () => Promise<void>;
}

export async function saveCheckpoint(db: PlaygroundDBConnection, input: CheckpointInput, options: SaveOptions = {}): Promise<SaveResult> {
  const retain = options.retain ?? DEFAULT_RETAIN;
  assertRetain(retain);
  const saveId = crypto.randomUUID();
  // A bad input (NaN, wrong shapes) throws here, before anything is written.
  const laidOut = layOutCheckpoint(input, { chunkSize: options.chunkSize });
  const { totalBytes } = laidOut;
  return withSaveLock(saveId, async () => {
    try {
      // The chunks' puts go out first, then hashing starts, so that part of the hashing runs
      // while the browser process writes. Only part: Chromium hashes synchronously on this
      // thread, and the write needs this thread for its first few milliseconds (a 16 MB write
      // took 45 ms with this thread idle, 65 ms with it busy for 25 ms right after the puts).
      // Measured at 16 MB, alternating builds: 135-140 ms against 141-145 ms hashing first.
      // Hashing in a second worker gained nothing more (write and hash: 54 ms either way).
      const writing = writeTempChunks(db, saveId, laidOut.chunks, options);
      const encoded = await describeCheckpoint(input, laidOut, { id: saveId }).catch(async (error: unknown) => {
        await writing.catch(() => {});
        throw error;
      });
      await writing;
      await writeTempManifest(db, encoded);
      // Verify only after every write succeeded, not overlapped with the writes (measured ~30%
      // faster): a chunk read back is a Blob that keeps its file, and its quota, alive until
      // garbage collection, so after a full disk mid-write the next save would fail too.
      await verifyTemp(db, encoded, options);
      await options.beforeCommit?.();
      options.onProgress?.({ phase: 'commit', bytesDone: 0, bytesTotal: totalBytes });
      const { record, run, removedIds } = await commitSave(db, encoded, { retain });
      options.onProgress?.({ phase: 'commit', bytesDone: totalBytes, bytesTotal: totalBytes });
      return { ...toCheckpointSummary(record, run), removedIds };
    } catch (error) {
      // A failed save may cost only itself. If even this cleanup fails, the lock is released
      // right after, so the next sweep removes the records.
      await deleteTempSave(db, saveId).catch(() => {});
      if (error instanceof DOMException) throw await toSaveError(error, input.step, totalBytes);
      throw error;
    }
  });
}

/**
 * Bytes of temp records per write transaction. One transaction per chunk made a 64 MB save's
 * writes take 260-320 ms; one transaction for all of them, 120-130 ms (Chromium commits each
 * transaction to its log separately). A cap keeps one transaction from holding a huge model.
 */
export const TEMP_WRITE_BATCH_BYTES = 64 * 1024 * 1024;

/** Step 3 as tests drive it: every chunk, then the manifest. */
export async function writeTemp(db: PlaygroundDBConnection, encoded: EncodedCheckpoint, options: TempWriteOptions = {}): Promise<void> {
  await writeTempChunks(db, encoded.manifest.id, encoded.chunks, options);
  await writeTempManifest(db, encoded);
}

export interface TempWriteOptions {
  onProgress?: (progress: SaveProgress) => void;
  storedBytes?: StoredBytesKind;
  tempBatchBytes?: number;
}

/**
 * Step 3a: the chunks, in transactions of up to `tempBatchBytes`. They need no hashes yet, so
 * this runs while the save hashes. Progress counts each put as it succeeds.
 */
export async function writeTempChunks(
  db: PlaygroundDBConnection,
  saveId: string,
  chunks: Uint8Array<ArrayBuffer>[],
  options: TempWriteOptions = {},
): Promise<void> {
  const kind = options.storedBytes ?? DEFAULT_STORED_BYTES_KIND;
  const batchBytes = options.tempBatchBytes ?? TEMP_WRITE_BATCH_BYTES;
  const totalBytes = chunks.reduce((sum, c) => sum + c.byteLength, 0);
  const createdAt = Date.now();
  let written = 0;
  const report = () => options.onProgress?.({ phase: 'write', bytesDone: written, bytesTotal: totalBytes });
  report();
  let next = 0;
  while (next < chunks.length) {
    const first = next;
    let bytes = 0;
    while (next < chunks.length && (next === first || bytes + chunks[next].byteLength <= batchBytes)) bytes += chunks[next++].byteLength;
    const tx = db.transaction('temp', 'readwrite');
    await inTransaction(tx, () =>
      Promise.all(
        chunks.slice(first, next).map((chunk, k) =>
          tx.store.put({ saveId, part: first + k, createdAt, data: toStoredBytes(chunk, kind) }).then(() => {
            written += chunk.byteLength;
            report();
          }),
        ),
      ),
    );
  }
}

/**
 * Step 3b: the manifest, last, once the hashes are known. A temp save without one never got
 * past its writes; the sweeper sizes its chunks from the records themselves.
 */
export async function writeTempManifest(db: PlaygroundDBConnection, encoded: Pick<EncodedCheckpoint, 'manifest' | 'manifestSha256'>): Promise<void> {
  const { manifest, manifestSha256 } = encoded;
  const tx = db.transaction('temp', 'readwrite');
  await inTransaction(tx, () => tx.store.put({ saveId: manifest.id, part: 'manifest', createdAt: Date.now(), manifest, manifestSha256 }));
}

/**
 * Step 4. Fetches every temp record in one read-only transaction, then reads and hashes the
 * chunks one at a time after it has closed: hashing must never happen inside a transaction.
 */
export async function verifyTemp(
  db: PlaygroundDBConnection,
  encoded: Pick<EncodedCheckpoint, 'manifest' | 'manifestSha256'>,
  options: { onProgress?: (progress: SaveProgress) => void } = {},
): Promise<void> {
  const { manifest } = encoded;
  const fail = (problem: string) =>
    new CheckpointVerifyError(
      `The checkpoint at step ${manifest.step} did not read back as it was written (${problem}), so it was not saved. ` +
        'Earlier checkpoints are unchanged. Try saving again; if this keeps happening, the disk or the browser storage may be failing.',
    );
  const tx = db.transaction('temp', 'readonly');
  const [stored, ...records] = await inTransaction(tx, () =>
    Promise.all([tx.store.get([manifest.id, 'manifest']), ...manifest.chunks.map((_, i) => tx.store.get([manifest.id, i]))]),
  );
  if (!stored || stored.part !== 'manifest') throw fail('its manifest is missing');
  if (stored.manifestSha256 !== encoded.manifestSha256 || (await hashManifest(stored.manifest)) !== encoded.manifestSha256) {
    throw fail('its manifest does not match its SHA-256');
  }
  let verified = 0;
  options.onProgress?.({ phase: 'verify', bytesDone: 0, bytesTotal: manifest.totalBytes });
  // Every chunk is read into the same scratch buffer: no fresh memory per chunk. Reading the
  // next chunk while hashing this one gains nothing, since Chromium hashes synchronously on
  // this thread (measured, 4 × 8 MiB: 63 ms one after another, 66 ms overlapped).
  let scratch = new ArrayBuffer(Math.max(0, ...manifest.chunks.map((c) => c.size)));
  for (let i = 0; i < manifest.chunks.length; i++) {
    const expected = manifest.chunks[i];
    const record = records[i];
    if (!record || record.part === 'manifest') throw fail(`chunk ${i} is missing`);
    const size = storedSize(record.data);
    if (size !== expected.size) throw fail(`chunk ${i} has ${size} bytes instead of ${expected.size}`);
    // Only a Blob handle so far: its bytes are read here, and the handle dropped.
    scratch = await readInto(record.data, scratch, 0, size);
    records[i] = undefined;
    if ((await sha256Hex(new Uint8Array(scratch, 0, size))) !== expected.sha256) throw fail(`chunk ${i} does not match its SHA-256`);
    verified += size;
    options.onProgress?.({ phase: 'verify', bytesDone: verified, bytesTotal: manifest.totalBytes });
  }
}

export interface CommittedSave {
  record: CheckpointRecord;
  run: RunRecord;
  removedIds: string[];
}

/**
 * Step 5. All or nothing: one strict transaction copies the verified temp chunks into
 * `chunks`, adds the manifest, moves the run's pointers, deletes the temp records and
 * applies retention. It issues only IndexedDB requests, and resolves after it commits.
 */
export async function commitSave(
  db: PlaygroundDBConnection,
  encoded: Pick<EncodedCheckpoint, 'manifest' | 'manifestSha256'>,
  options: { retain?: number; now?: number } = {},
): Promise<CommittedSave> {
  const { manifest, manifestSha256 } = encoded;
  const retain = options.retain ?? DEFAULT_RETAIN;
  assertRetain(retain);
  const now = options.now ?? Date.now();
  const tx = db.transaction(['temp', 'chunks', 'checkpoints', 'runs'], 'readwrite', { durability: 'strict' });
  const temp = tx.objectStore('temp');
  const chunks = tx.objectStore('chunks');
  const checkpoints = tx.objectStore('checkpoints');
  const runs = tx.objectStore('runs');
  return inTransaction(tx, async () => {
    // Every read in one wave (one round trip to the browser's IndexedDB), then every write.
    const [tempRecords, storedRun, runCheckpoints] = await Promise.all([
      Promise.all(manifest.chunks.map((_, i) => temp.get([manifest.id, i]))),
      runs.get(manifest.runId),
      checkpoints.index('by-run').getAll(runRange(manifest.runId)),
    ]);
    const tempChunks = tempRecords.map((r, i) => {
      if (!r || r.part === 'manifest' || storedSize(r.data) !== manifest.chunks[i].size) {
        throw new CheckpointVerifyError(
          `The checkpoint at step ${manifest.step} was not saved because its chunk ${i} disappeared or changed between verify and commit. ` +
            'Earlier checkpoints are unchanged; try saving again.',
        );
      }
      return r;
    });
    const run: RunRecord = storedRun ?? newRun(manifest.runId, now);
    const record: CheckpointRecord = { id: manifest.id, runId: manifest.runId, seq: run.nextSeq, manifest, manifestSha256 };
    const requests: Promise<unknown>[] = tempChunks.map((r, i) => chunks.put({ checkpointId: manifest.id, index: i, data: r.data }));
    // add, not put: a checkpoint id is never reused, and a clash must abort rather than overwrite.
    requests.push(checkpoints.add(record), temp.delete(tempRange(manifest.id)));
    const { keep, drop } = chooseRetained([...runCheckpoints, record], retain);
    for (const old of drop) requests.push(checkpoints.delete(old.id), chunks.delete(chunkRange(old.id)));
    const updated = refreshRun(
      { ...run, name: manifest.runName ?? run.name, config: manifest.config, nextSeq: run.nextSeq + 1 },
      keep,
      now,
    );
    requests.push(runs.put(updated));
    await Promise.all(requests);
    return { record, run: updated, removedIds: drop.map((r) => r.id) };
  });
}

/** Removes every temp record of one save, in one transaction. */
export async function deleteTempSave(db: PlaygroundDBConnection, saveId: string): Promise<void> {
  const tx = db.transaction('temp', 'readwrite');
  await inTransaction(tx, () => tx.store.delete(tempRange(saveId)));
}

function newRun(id: string, now: number): RunRecord {
  return { id, name: id, config: null, createdAt: now, updatedAt: now, latest: null, best: null, nextSeq: 1, checkpointCount: 0, bytes: 0 };
}

/** Wraps a DOMException from IndexedDB with the size, the free space and what to do. */
async function toSaveError(cause: DOMException, step: number, totalBytes: number): Promise<CheckpointSaveError> {
  const estimate = await storageEstimate();
  const free = estimate ? Math.max(0, estimate.quota - estimate.usage) : null;
  return new CheckpointSaveError(describeSaveFailure(cause, step, totalBytes, estimate), cause, totalBytes, free);
}

/** navigator.storage.estimate() with both numbers, or null where the browser cannot say. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  try {
    const estimate = await navigator.storage.estimate();
    return estimate.usage === undefined || estimate.quota === undefined ? null : { usage: estimate.usage, quota: estimate.quota };
  } catch {
    return null;
  }
}
