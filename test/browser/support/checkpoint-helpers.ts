// Runs inside the browser page (harness.html exposes it as window.lib.checkpointTesting):
// builds checkpoint inputs and inspects the raw stores without going through the store's
// own sweep, so tests can see what a killed or failed save left behind.
import {
  openPlaygroundDB,
  chunkChecksum,
  manifestChecksum,
  matchesChecksum,
  type CheckpointInput,
  type PlaygroundDBConnection,
  type StoredBytes,
  type TensorData,
} from '../../../src/lib/checkpoint/index.ts';

/** Deterministic incompressible bits (xorshift32): zeros would compress and fool quota tests. */
export function randomWords(count: number, seed: number): Uint32Array {
  const words = new Uint32Array(count);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return words;
}

/** Finite float32 values in [-1, 1) with random low bits. */
export function randomFloats(count: number, seed: number): Float32Array {
  const words = randomWords(count, seed);
  const floats = new Float32Array(count);
  for (let i = 0; i < count; i++) floats[i] = words[i] / 2 ** 31 - 1;
  return floats;
}

/** A checkpoint of about `bytes` bytes: one float32 weight, one int32 counter and a bias. */
export function makeInput(runId: string, step: number, bytes: number, options: { loss?: number; seed?: number } = {}): CheckpointInput {
  const seed = options.seed ?? step + 1;
  const weightCount = Math.max(1, Math.floor((bytes - 64) / 4));
  const tensors: TensorData[] = [
    { name: 'param/dense0/kernel', dtype: 'float32', shape: [weightCount], values: randomFloats(weightCount, seed) },
    { name: 'param/dense0/bias', dtype: 'float32', shape: [8], values: randomFloats(8, seed + 7) },
    { name: 'optimizer/iterations', dtype: 'int32', shape: [], values: Int32Array.of(step) },
  ];
  return {
    runId,
    runName: `Run ${runId}`,
    step,
    loss: options.loss ?? 1 / (step + 1),
    config: { model: 'mlp', hidden: [16, 16], seed: 1 },
    metrics: { trainLoss: options.loss ?? 1 / (step + 1) },
    state: { step, epoch: 0, cursor: step * 32 },
    tensors,
  };
}

/** True when both have the same names, dtypes, shapes and bit patterns (NaN-safe, -0-safe). */
export function sameTensors(a: TensorData[], b: TensorData[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((t, i) => {
    const u = b[i];
    if (t.name !== u.name || t.dtype !== u.dtype || t.shape.join() !== u.shape.join()) return false;
    const x = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    const y = new Uint8Array(u.values.buffer, u.values.byteOffset, u.values.byteLength);
    return x.length === y.length && x.every((v, j) => v === y[j]);
  });
}

export interface StoreInspection {
  tempRecords: number;
  tempSaveIds: string[];
  /** Each save in progress (or left by a killed one): its step and how many of its chunks reached `temp`. */
  tempSaves: { saveId: string; step: number | null; chunksWritten: number; chunksExpected: number | null }[];
  runs: { id: string; latest: string | null; best: string | null; checkpointCount: number }[];
  checkpoints: { id: string; runId: string; step: number; seq: number; corrupt: boolean; chunks: number }[];
  chunkRecords: number;
  /** Everything that breaks the all-or-nothing promise, as sentences; empty when intact. */
  problems: string[];
}

/**
 * Reads every store directly (no sweep) and checks the invariants a commit must keep:
 * each manifest has all its chunks and each chunk matches its checksum, no chunk lacks a
 * manifest, and every run pointer names a checkpoint of that run.
 */
export async function inspectStore(dbName: string): Promise<StoreInspection> {
  const db = await openPlaygroundDB(dbName);
  try {
    const tempKeys = await db.getAllKeys('temp');
    const runs = await db.getAll('runs');
    const checkpoints = await db.getAll('checkpoints');
    const chunkKeys = await db.getAllKeys('chunks');
    const problems: string[] = [];
    const ids = new Set(checkpoints.map((c) => c.id));
    for (const c of checkpoints) {
      const manifestHash = await manifestChecksum(c.manifest, c.manifestChecksum.algorithm);
      if (manifestHash.value !== c.manifestChecksum.value) problems.push(`Checkpoint ${c.id} has a manifest that fails its checksum.`);
      for (let i = 0; i < c.manifest.chunks.length; i++) {
        const record = await db.get('chunks', [c.id, i]);
        if (!record) {
          problems.push(`Checkpoint ${c.id} (step ${c.manifest.step}) is missing chunk ${i}.`);
          continue;
        }
        const bytes = new Uint8Array(await toArrayBuffer(record.data));
        if (!(await matchesChecksum(chunkChecksum(c.manifest, i), bytes))) problems.push(`Checkpoint ${c.id} chunk ${i} fails its checksum.`);
      }
    }
    for (const [id, index] of chunkKeys) {
      if (!ids.has(id)) problems.push(`Chunk ${index} of ${id} has no manifest.`);
      else if (index >= checkpoints.find((c) => c.id === id)!.manifest.chunks.length) problems.push(`Chunk ${index} of ${id} is beyond its manifest.`);
    }
    for (const run of runs) {
      for (const pointer of [run.latest, run.best]) {
        if (pointer !== null && checkpoints.find((c) => c.id === pointer)?.runId !== run.id) {
          problems.push(`Run ${run.id} points at ${pointer}, which is not one of its checkpoints.`);
        }
      }
    }
    const tempSaves: StoreInspection['tempSaves'] = [];
    for (const saveId of new Set(tempKeys.map(([id]) => id))) {
      const manifestRecord = await db.get('temp', [saveId, 'manifest']);
      const manifest = manifestRecord && 'manifest' in manifestRecord ? manifestRecord.manifest : null;
      tempSaves.push({
        saveId,
        step: manifest?.step ?? null,
        chunksWritten: tempKeys.filter(([id, part]) => id === saveId && part !== 'manifest').length,
        chunksExpected: manifest?.chunks.length ?? null,
      });
    }
    return {
      tempRecords: tempKeys.length,
      tempSaveIds: tempSaves.map((t) => t.saveId),
      tempSaves,
      runs: runs.map(({ id, latest, best, checkpointCount }) => ({ id, latest, best, checkpointCount })),
      checkpoints: checkpoints.map((c) => ({
        id: c.id,
        runId: c.runId,
        step: c.manifest.step,
        seq: c.seq,
        corrupt: c.corrupt !== undefined,
        chunks: c.manifest.chunks.length,
      })),
      chunkRecords: chunkKeys.length,
      problems,
    };
  } finally {
    db.close();
  }
}

/** Flips one bit of a stored chunk, committed or temp, as a failing disk would; keeps its value kind. */
export async function flipStoredBit(db: PlaygroundDBConnection, store: 'chunks' | 'temp', key: [string, number], byteOffset: number): Promise<void> {
  const record = await db.get(store, key);
  if (!record || !('data' in record)) throw new Error(`There is no chunk ${key[1]} of ${key[0]} in ${store}.`);
  const bytes = new Uint8Array(await toArrayBuffer(record.data)).slice();
  bytes[byteOffset] ^= 0x01;
  const data = record.data instanceof Blob ? new Blob([bytes]) : bytes.buffer;
  if (store === 'chunks') await db.put('chunks', { ...(record as { checkpointId: string; index: number }), data });
  else await db.put('temp', { ...(record as { saveId: string; part: number }), data });
}

function toArrayBuffer(data: StoredBytes): Promise<ArrayBuffer> | ArrayBuffer {
  return data instanceof Blob ? data.arrayBuffer() : data;
}
