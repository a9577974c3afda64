/**
 * Verified loads. Every chunk's size and checksum (SHA-256 in format v1, xxh64 in v2) is
 * checked before any value is decoded;
 * a checkpoint that fails is marked corrupt in the store, so it is skipped from then on,
 * and loadLatestIntact() falls back to the newest checkpoint that passes.
 */
import { checksumLabel } from './checksum.ts';
import { chunkChecksum, findLayoutProblem, manifestChecksum, matchesChecksum, MANIFEST_FORMAT, READABLE_MANIFEST_VERSIONS } from './codec.ts';
import { CheckpointCorruptError, CheckpointNotFoundError, NoIntactCheckpointError, UnsupportedFormatError } from './errors.ts';
import { describeFallback } from './messages.ts';
import { refreshStoredRun } from './record-updates.ts';
import { ChunkReadError, readIntoTensors } from './chunk-reader.ts';
import { runRange, type CheckpointRecord, type PlaygroundDBConnection, type StoredBytes } from './schema.ts';
import { storedSize } from './stored-bytes.ts';
import { inTransaction } from './transaction.ts';
import type { LoadedCheckpoint, LoadLatestResult } from './types.ts';

/** Raised inside this module when bytes fail verification; callers see CheckpointCorruptError. */
class Damage {
  constructor(readonly reason: string) {}
}

/**
 * Loads one checkpoint after verifying all of it. Damaged bytes mark it corrupt and throw
 * CheckpointCorruptError; transient failures (e.g. a closed connection) pass through unchanged.
 */
export async function loadCheckpoint(db: PlaygroundDBConnection, checkpointId: string): Promise<LoadedCheckpoint> {
  const { record, chunks } = await readCheckpoint(db, checkpointId);
  if (record.corrupt) throw new CheckpointCorruptError(record.id, record.manifest.step, record.corrupt.reason);
  try {
    return await verifyAndDecode(record, chunks);
  } catch (error) {
    if (!(error instanceof Damage)) throw error;
    await markCorrupt(db, record.id, error.reason);
    throw new CheckpointCorruptError(record.id, record.manifest.step, error.reason);
  }
}

/**
 * Loads the newest intact checkpoint of a run, skipping (and marking) damaged ones. Returns
 * null when the run has no checkpoints; `message` says when it had to fall back.
 */
export async function loadLatestIntact(db: PlaygroundDBConnection, runId: string): Promise<LoadLatestResult | null> {
  const records = await db.getAllFromIndex('checkpoints', 'by-run', runRange(runId));
  if (records.length === 0) return null;
  const skipped: LoadLatestResult['skipped'] = [];
  for (const record of records.sort((a, b) => b.seq - a.seq)) {
    try {
      const loaded = await loadCheckpoint(db, record.id);
      return { ...loaded, skipped, message: describeFallback(skipped, loaded.manifest.step) };
    } catch (error) {
      // Deleted by another tab since the listing: not damage, so not worth a message.
      if (error instanceof CheckpointNotFoundError) continue;
      if (!(error instanceof CheckpointCorruptError)) throw error;
      skipped.push({ id: record.id, step: record.manifest.step, reason: error.reason });
    }
  }
  throw new NoIntactCheckpointError(runId, skipped);
}

/** Persists the mark and moves the run's pointers off the checkpoint, in one transaction. */
export async function markCorrupt(db: PlaygroundDBConnection, checkpointId: string, reason: string, now = Date.now()): Promise<void> {
  const tx = db.transaction(['checkpoints', 'runs'], 'readwrite', { durability: 'strict' });
  const checkpoints = tx.objectStore('checkpoints');
  const runs = tx.objectStore('runs');
  await inTransaction(tx, async () => {
    const record = await checkpoints.get(checkpointId);
    if (!record || record.corrupt) return;
    await checkpoints.put({ ...record, corrupt: { reason, at: now } });
    await refreshStoredRun(checkpoints, runs, record.runId, now);
  });
}

/** What one read transaction found for a chunk: its bytes, nothing, or the browser's read error. */
type ChunkRead = { data: StoredBytes } | { missing: true } | { error: DOMException };

/**
 * Reads the manifest and every chunk in one readonly transaction, so a concurrent delete in
 * another tab is seen either entirely or not at all. Bytes are checked after it ends.
 */
async function readCheckpoint(db: PlaygroundDBConnection, checkpointId: string): Promise<{ record: CheckpointRecord; chunks: ChunkRead[] }> {
  const tx = db.transaction(['checkpoints', 'chunks'], 'readonly');
  // A failed read aborts this readonly transaction; the read's own error is what gets reported.
  tx.done.catch(() => {});
  const record = await tx.objectStore('checkpoints').get(checkpointId);
  if (!record) throw new CheckpointNotFoundError(checkpointId);
  if (record.corrupt) return { record, chunks: [] };
  const store = tx.objectStore('chunks');
  const chunks = await Promise.all(
    record.manifest.chunks.map((_, i) =>
      store.get([checkpointId, i]).then(
        (r): ChunkRead => (r ? { data: r.data } : { missing: true }),
        // Requests after a failed one fail with AbortError; verifyAndDecode meets the first failure first.
        (error: DOMException): ChunkRead => ({ error }),
      ),
    ),
  );
  return { record, chunks };
}

async function verifyAndDecode(record: CheckpointRecord, reads: ChunkRead[]): Promise<LoadedCheckpoint> {
  const { manifest } = record;
  // The record says which algorithm hashed the manifest, so a damaged manifest cannot choose it.
  const expected = record.manifestChecksum;
  if ((await manifestChecksum(manifest, expected.algorithm)).value !== expected.value) {
    throw new Damage(`its manifest does not match its ${checksumLabel(expected.algorithm)}`);
  }
  if (manifest.format !== MANIFEST_FORMAT || !READABLE_MANIFEST_VERSIONS.includes(manifest.version)) {
    throw new UnsupportedFormatError(
      `The checkpoint at step ${manifest.step} has format "${manifest.format}" version ${manifest.version}, but this version of the playground reads only ` +
        `"${MANIFEST_FORMAT}" versions ${READABLE_MANIFEST_VERSIONS.join(' and ')}. Update the playground (reload the page) to load it.`,
    );
  }
  const layoutProblem = findLayoutProblem(manifest);
  if (layoutProblem) throw new Damage(`its manifest is inconsistent: ${layoutProblem}`);

  const count = manifest.chunks.length;
  const name = (i: number) => `chunk ${i + 1} of ${count}`;
  const sources: StoredBytes[] = [];
  for (let i = 0; i < count; i++) {
    const read = reads[i];
    if ('missing' in read) throw new Damage(`${name(i)} is missing`);
    if ('error' in read) throw unreadable(name(i), read.error, ['NotReadableError']);
    const size = storedSize(read.data);
    if (size !== manifest.chunks[i].size) throw new Damage(`${name(i)} has ${size} bytes instead of ${manifest.chunks[i].size}`);
    sources.push(read.data);
  }
  let result: Awaited<ReturnType<typeof readIntoTensors>>;
  try {
    result = await readIntoTensors(manifest, sources);
  } catch (error) {
    // Reading a Blob opens its file: a file that is gone is damage too (Chromium says NotFoundError).
    if (error instanceof ChunkReadError) throw unreadable(name(error.index), error.cause, ['NotReadableError', 'NotFoundError']);
    throw error;
  }
  for (let i = 0; i < count; i++) {
    const checksum = chunkChecksum(manifest, i);
    if (!(await matchesChecksum(checksum, result.chunks[i]))) throw new Damage(`${name(i)} does not match its ${checksumLabel(checksum.algorithm)}`);
  }
  return { manifest, tensors: result.tensors };
}

/** The browser could not read the bytes back from disk: damage. Any other error passes through. */
function unreadable(name: string, error: unknown, damageNames: string[]): unknown {
  return error instanceof DOMException && damageNames.includes(error.name)
    ? new Damage(`${name} could not be read from disk (${error.name})`)
    : error;
}
