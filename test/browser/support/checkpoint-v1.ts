// The checkpoint store as format v1 and schema version 1 wrote it, kept as a test writer so
// that upgrade tests start from real v1 records: a SHA-256 per chunk in the manifest,
// `manifestSha256` on the record, the four stores of schema version 1. It writes through
// IndexedDB itself, not through the current code, which can no longer write any of this.
import { openDB, type IDBPDatabase } from 'idb';
import { encodeCheckpoint, sha256Hex, type CheckpointInput, type Manifest } from '../../../src/lib/checkpoint/index.ts';

/** Schema version 1's upgrade, as it was. */
export function openV1Database(name: string, options: { blocking?: (db: IDBPDatabase) => void } = {}): Promise<IDBPDatabase> {
  return openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore('runs', { keyPath: 'id' });
      const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
      checkpoints.createIndex('by-run', ['runId', 'seq']);
      db.createObjectStore('chunks', { keyPath: ['checkpointId', 'index'] });
      db.createObjectStore('temp', { keyPath: ['saveId', 'part'] });
    },
    blocking(_current, _blocked, event) {
      if (options.blocking) options.blocking((event.target as IDBDatabase & IDBPDatabase));
    },
  });
}

/** A format v1 manifest and its chunks: the v2 layout (unchanged) with SHA-256 per chunk. */
export async function encodeV1(input: CheckpointInput, id: string, chunkSize: number): Promise<{ manifest: Manifest; manifestSha256: string; chunks: Uint8Array<ArrayBuffer>[] }> {
  const encoded = await encodeCheckpoint(input, { id, chunkSize, createdAt: 1_700_000_000_000 + input.step });
  const { format, version: _version, checksumAlgorithm: _algorithm, chunks: _chunks, ...rest } = encoded.manifest;
  const chunks = await Promise.all(encoded.chunks.map(async (c) => ({ size: c.byteLength, sha256: await sha256Hex(c) })));
  const manifest: Manifest = { format, version: 1, ...rest, chunks };
  return { manifest, manifestSha256: await sha256Hex(new TextEncoder().encode(JSON.stringify(manifest))), chunks: encoded.chunks };
}

/**
 * Commits v1 checkpoints of one run as the v1 commit did: chunks as Blobs, the record with
 * `manifestSha256`, the run's pointers (latest = newest, best = lowest loss), all in one
 * transaction. Returns the checkpoint ids in order.
 */
export async function writeV1Run(db: IDBPDatabase, inputs: CheckpointInput[], chunkSize: number): Promise<string[]> {
  const encoded = await Promise.all(inputs.map((input, i) => encodeV1(input, `v1-${input.runId}-${i}`, chunkSize)));
  const tx = db.transaction(['runs', 'checkpoints', 'chunks'], 'readwrite');
  const best = encoded.reduce((a, b) => (b.manifest.loss <= a.manifest.loss ? b : a));
  const latest = encoded.at(-1)!;
  const { runId, runName, config } = inputs[0];
  await Promise.all([
    ...encoded.flatMap(({ manifest, manifestSha256, chunks }, seq) => [
      tx.objectStore('checkpoints').add({ id: manifest.id, runId, seq: seq + 1, manifest, manifestSha256 }),
      ...chunks.map((bytes, index) => tx.objectStore('chunks').add({ checkpointId: manifest.id, index, data: new Blob([bytes]) })),
    ]),
    tx.objectStore('runs').put({
      id: runId,
      name: runName ?? runId,
      config,
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
      latest: latest.manifest.id,
      best: best.manifest.id,
      nextSeq: encoded.length + 1,
      checkpointCount: encoded.length,
      bytes: encoded.reduce((sum, e) => sum + e.manifest.totalBytes, 0),
    }),
    tx.done,
  ]);
  return encoded.map((e) => e.manifest.id);
}

/** What a v1 save killed after its temp writes left: a temp manifest and its chunks. */
export async function writeV1TempSave(db: IDBPDatabase, input: CheckpointInput, saveId: string, chunkSize: number): Promise<void> {
  const { manifest, manifestSha256, chunks } = await encodeV1(input, saveId, chunkSize);
  const tx = db.transaction('temp', 'readwrite');
  await Promise.all([
    tx.store.put({ saveId, part: 'manifest', createdAt: 1_700_000_000_000, manifest, manifestSha256 }),
    ...chunks.map((bytes, part) => tx.store.put({ saveId, part, data: new Blob([bytes]) })),
    tx.done,
  ]);
}
