/**
 * The save protocol. Each numbered step is its own function so tests can run, pause or
 * break it alone; saveCheckpoint() runs them in order:
 *   1. snapshot   (snapshot.ts, done by the caller at a step boundary)
 *   2. encode     chunks + xxh64 checksums + manifest, before any transaction opens;
 *                 meanwhile the free space is asked for, and a save that cannot fit writes nothing
 *   3. writeTemp  the manifest, then every chunk, into `temp` under a fresh save id
 *   4. verifyTemp read every temp record back and check size and checksum
 *   5. commitSave one strict transaction: temp -> chunks, manifest, run pointers, retention
 * Steps 3-5 run while holding the Web Lock `ckpt-save:<saveId>`, which tells the sweeper
 * in any tab that this save is alive. Encoding (2) starts while the lock is being requested:
 * it writes nothing.
 */
import { checksumLabel } from './checksum.ts';
import { chunkChecksum, encodeCheckpoint, manifestChecksum as hashManifest, matchesChecksum, type EncodedCheckpoint } from './codec.ts';
import { CheckpointSaveError, CheckpointVerifyError, NotEnoughSpaceError } from './errors.ts';
import { withSaveLock } from './locks.ts';
import { describeNotEnoughSpace, describeSaveFailure } from './messages.ts';
import { assertRetain, chooseRetained, DEFAULT_RETAIN, refreshRun } from './retention.ts';
import { runRange, tempRange, type CheckpointRecord, type PlaygroundDBConnection, type RunRecord } from './schema.ts';
import { readInto } from './chunk-reader.ts';
import { DEFAULT_STORED_BYTES_KIND, storedSize, toStoredBytes, type StoredBytesKind } from './stored-bytes.ts';
import { deleteCheckpointRecords } from './record-updates.ts';
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
  /** Test hook: awaited after the free-space check and before the first write. */
  beforeWrite?: () => Promise<void>;
  /** Test hook: awaited after the temp writes and before verify, with the save's id. */
  afterTempWrite?: (saveId: string) => Promise<void>;
  /** Test hook: awaited after verify and before commit, while the save's lock is held. */
  beforeCommit?: () => Promise<void>;
}

export async function saveCheckpoint(db: PlaygroundDBConnection, input: CheckpointInput, options: SaveOptions = {}): Promise<SaveResult> {
  const retain = options.retain ?? DEFAULT_RETAIN;
  assertRetain(retain);
  const saveId = crypto.randomUUID();
  // Encoding writes nothing, so it need not wait for the lock: both start at once.
  const encoding = encodeCheckpoint(input, { id: saveId, chunkSize: options.chunkSize, onProgress: options.onProgress });
  encoding.catch(() => {}); // Rejections are seen through the await below; this only marks them handled.
  // Asked for while encoding runs, so the check adds no wait of its own.
  const estimating = storageEstimate();
  return withSaveLock(saveId, async () => {
    const encoded = await encoding;
    const total = encoded.manifest.totalBytes;
    assertSpaceFor(encoded, await estimating);
    await options.beforeWrite?.();
    try {
      // Verify only after every write succeeded, not overlapped with the writes (measured ~30%
      // faster): a chunk read back is a Blob that keeps its file, and its quota, alive until
      // garbage collection, so after a full disk mid-write the next save would fail too.
      await writeTemp(db, encoded, options);
      await options.afterTempWrite?.(saveId);
      await verifyTemp(db, encoded, options);
      await options.beforeCommit?.();
      options.onProgress?.({ phase: 'commit', bytesDone: 0, bytesTotal: total });
      const { record, run, removedIds } = await commitSave(db, encoded, { retain });
      options.onProgress?.({ phase: 'commit', bytesDone: total, bytesTotal: total });
      return { ...toCheckpointSummary(record, run), removedIds };
    } catch (error) {
      // A failed save may cost only itself. If even this cleanup fails, the lock is released
      // right after, so the next sweep removes the records.
      await deleteTempSave(db, saveId).catch(() => {});
      if (error instanceof DOMException) throw await toSaveError(error, encoded);
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

/**
 * Step 3. The manifest goes first, in the first transaction, so a sweeper can size any
 * chunks a killed save left. Progress counts each put as it succeeds; the phase ends when
 * the last transaction has committed.
 */
export async function writeTemp(
  db: PlaygroundDBConnection,
  encoded: EncodedCheckpoint,
  options: { onProgress?: (progress: SaveProgress) => void; storedBytes?: StoredBytesKind; tempBatchBytes?: number } = {},
): Promise<void> {
  const { manifest, manifestChecksum, chunks } = encoded;
  const kind = options.storedBytes ?? DEFAULT_STORED_BYTES_KIND;
  const batchBytes = options.tempBatchBytes ?? TEMP_WRITE_BATCH_BYTES;
  const createdAt = Date.now();
  let written = 0;
  const report = () => options.onProgress?.({ phase: 'write', bytesDone: written, bytesTotal: manifest.totalBytes });
  report();
  let next = 0;
  do {
    const first = next;
    let bytes = 0;
    while (next < chunks.length && (next === first || bytes + chunks[next].byteLength <= batchBytes)) bytes += chunks[next++].byteLength;
    const tx = db.transaction('temp', 'readwrite');
    await inTransaction(tx, () => {
      const puts: Promise<unknown>[] = [];
      if (first === 0) puts.push(tx.store.put({ saveId: manifest.id, part: 'manifest', createdAt, manifest, manifestChecksum }));
      for (let i = first; i < next; i++) {
        const size = chunks[i].byteLength;
        const data = toStoredBytes(chunks[i], kind);
        puts.push(
          tx.store.put({ saveId: manifest.id, part: i, data }).then(() => {
            written += size;
            report();
          }),
        );
      }
      return Promise.all(puts);
    });
  } while (next < chunks.length);
}

/**
 * Step 4. Fetches every temp record in one read-only transaction, then reads and hashes the
 * chunks one at a time after it has closed: hashing must never happen inside a transaction.
 */
export async function verifyTemp(
  db: PlaygroundDBConnection,
  encoded: Pick<EncodedCheckpoint, 'manifest' | 'manifestChecksum'>,
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
  const expected = encoded.manifestChecksum;
  const label = checksumLabel(expected.algorithm);
  const storedHash = stored.manifestChecksum;
  if (storedHash?.algorithm !== expected.algorithm || storedHash.value !== expected.value || (await hashManifest(stored.manifest, expected.algorithm)).value !== expected.value) {
    throw fail(`its manifest does not match its ${label}`);
  }
  let verified = 0;
  options.onProgress?.({ phase: 'verify', bytesDone: 0, bytesTotal: manifest.totalBytes });
  // Every chunk is read into the same scratch buffer: no fresh memory per chunk. Reading the
  // next chunk while hashing this one gains nothing, since hashing runs on this thread
  // (measured with SHA-256, 4 × 8 MiB: 63 ms one after another, 66 ms overlapped).
  let scratch = new ArrayBuffer(Math.max(0, ...manifest.chunks.map((c) => c.size)));
  for (let i = 0; i < manifest.chunks.length; i++) {
    const expectedSize = manifest.chunks[i].size;
    const record = records[i];
    if (!record || record.part === 'manifest') throw fail(`chunk ${i} is missing`);
    const size = storedSize(record.data);
    if (size !== expectedSize) throw fail(`chunk ${i} has ${size} bytes instead of ${expectedSize}`);
    // Only a Blob handle so far: its bytes are read here, one chunk at a time.
    scratch = await readInto(record.data, scratch, 0, size);
    records[i] = undefined;
    if (!(await matchesChecksum(chunkChecksum(manifest, i), new Uint8Array(scratch, 0, size)))) throw fail(`chunk ${i} does not match its ${label}`);
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
  encoded: Pick<EncodedCheckpoint, 'manifest' | 'manifestChecksum'>,
  options: { retain?: number; now?: number } = {},
): Promise<CommittedSave> {
  const { manifest, manifestChecksum } = encoded;
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
    const record: CheckpointRecord = { id: manifest.id, runId: manifest.runId, seq: run.nextSeq, manifest, manifestChecksum };
    const requests: Promise<unknown>[] = tempChunks.map((r, i) => chunks.put({ checkpointId: manifest.id, index: i, data: r.data }));
    // add, not put: a checkpoint id is never reused, and a clash must abort rather than overwrite.
    requests.push(checkpoints.add(record), temp.delete(tempRange(manifest.id)));
    const { keep, drop } = chooseRetained([...runCheckpoints, record], retain);
    for (const old of drop) requests.push(...deleteCheckpointRecords(checkpoints, chunks, old.id));
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

/**
 * During the commit a save holds its temp copy and its committed copy at once, and Chromium
 * checks quota against the bytes a transaction puts, so there it needs about twice its size
 * free. With less, it would write everything and then fail at commit: fail now, having
 * written nothing. Firefox moves a Blob from `temp` to `chunks` without a second copy of its
 * file (test/firefox/checkpoint-quota.test.ts saves half its quota), so there the size itself
 * is the need. Where the browser gives no estimate, the save goes ahead.
 */
function assertSpaceFor(encoded: EncodedCheckpoint, estimate: { usage: number; quota: number } | null): void {
  if (!estimate) return;
  const { step, totalBytes } = encoded.manifest;
  const needed = COMMIT_COPIES * totalBytes;
  const free = Math.max(0, estimate.quota - estimate.usage);
  if (free < needed) throw new NotEnoughSpaceError(describeNotEnoughSpace(step, totalBytes, needed, free), totalBytes, free);
}

/** Copies of a save's bytes that exist at once during its commit (see assertSpaceFor). */
const COMMIT_COPIES = typeof navigator !== 'undefined' && /\bFirefox\//.test(navigator.userAgent) ? 1 : 2;

/** Wraps a DOMException from IndexedDB with the size, the free space and what to do. */
async function toSaveError(cause: DOMException, encoded: EncodedCheckpoint): Promise<CheckpointSaveError> {
  const estimate = await storageEstimate();
  const { step, totalBytes } = encoded.manifest;
  return new CheckpointSaveError(describeSaveFailure(cause, step, totalBytes, estimate), cause, totalBytes);
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
