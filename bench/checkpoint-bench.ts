// Measures the checkpoint store in the browser it runs in, against plain IndexedDB and
// against tfjs's own IndexedDB model store. Runs in the test harness page
// (window.lib.checkpointBench.runCheckpointBench) through Playwright; see
// test/browser/checkpoint-bench.spec.ts, and from bench/bench.spec.ts for `npm run bench`.
import * as tf from '@tensorflow/tfjs';
import { deleteDB, openDB } from 'idb';
import {
  checksumHex,
  commitSave,
  CHECKSUM_ALGORITHM,
  DEFAULT_CHUNK_SIZE,
  encodeCheckpoint,
  openCheckpointStore,
  verifyTemp,
  writeTemp,
  type CheckpointInput,
  type CheckpointStore,
  type StoredBytesKind,
} from '../src/lib/checkpoint/index.ts';
// Incompressible finite floats: IndexedDB compresses, so zeros would flatter every store.
import { randomFloats } from '../test/browser/support/checkpoint-helpers.ts';
import { median } from './stats.ts';

const MiB = 1024 * 1024;

export interface CheckpointBenchOptions {
  /** Checkpoint sizes for the throughput table, in MiB. */
  sizesMiB?: number[];
  /** Chunk sizes to compare, in bytes. */
  chunkSizes?: number[];
  /** Checkpoint size for the chunk-size and stored-bytes comparisons, in MiB. */
  comparisonMiB?: number;
  /**
   * Each number is the median of at least this many runs; smaller checkpoints get more (see
   * repeatsAt), since their runs are short and their medians the noisiest.
   */
  repeats?: number;
  onLog?: (line: string) => void;
}

export interface Throughput {
  /** MiB per second, median. */
  saveMiBps: number;
  loadMiBps: number;
}

/** tfjs's save, timed two ways. */
export interface TfjsThroughput extends Throughput {
  /**
   * Until model.save() resolved. tfjs resolves on its put request's success, before the
   * transaction commits, so at that moment the model is not yet stored: a crash then loses it.
   * `saveMiBps` is timed until the transaction has committed, like every other save here.
   * tfjs commits with the browser's default durability (relaxed in Chromium), ours and the
   * raw put with 'strict', which also waits for the disk.
   */
  saveResolvedMiBps: number;
}

export interface CheckpointBenchResult {
  userAgent: string;
  comparisonMiB: number;
  chunkSizes: ({ chunkSize: number } & Throughput)[];
  storedBytes: ({ kind: StoredBytesKind; commitMs: number } & Throughput)[];
  sizes: { sizeMiB: number; runs: number; checkpoint: Throughput; hashing: HashTimes; rawIndexedDB: Throughput; tfjsIndexedDB: TfjsThroughput }[];
}

/** Milliseconds a save of these bytes spends hashing: every chunk once to encode and once to verify. */
export interface HashTimes {
  /** With the checksum saves use now (xxh64), median. */
  hashMs: number;
  /** With format v1's SHA-256, for comparison, median. */
  sha256HashMs: number;
}

export async function runCheckpointBench(options: CheckpointBenchOptions = {}): Promise<CheckpointBenchResult> {
  const sizesMiB = options.sizesMiB ?? [1, 16, 64];
  const chunkSizes = options.chunkSizes ?? [256 * 1024, MiB, 4 * MiB, 8 * MiB, 16 * MiB, 64 * MiB];
  const comparisonMiB = options.comparisonMiB ?? 64;
  const repeats = options.repeats ?? 3;
  const log = options.onLog ?? (() => {});
  // tfjs only builds and reads the comparison model; the CPU backend keeps that out of the timings.
  await tf.setBackend('cpu');

  const result: CheckpointBenchResult = { userAgent: navigator.userAgent, comparisonMiB, chunkSizes: [], storedBytes: [], sizes: [] };
  const comparisonValues = randomFloats((comparisonMiB * MiB) / 4, 1);

  for (const chunkSize of chunkSizes) {
    const throughput = await checkpointThroughput(comparisonValues, repeats, { chunkSize });
    result.chunkSizes.push({ chunkSize, ...throughput });
    log(`chunk ${chunkSize / MiB} MiB: save ${throughput.saveMiBps.toFixed(0)} MiB/s, load ${throughput.loadMiBps.toFixed(0)} MiB/s`);
  }

  for (const kind of ['arraybuffer', 'blob'] as const) {
    const commitMs = median(await repeat(repeats, () => commitDuration(comparisonValues, kind)));
    const throughput = await checkpointThroughput(comparisonValues, repeats, { storedBytes: kind });
    result.storedBytes.push({ kind, commitMs, ...throughput });
    log(`${kind}: commit ${commitMs.toFixed(0)} ms, save ${throughput.saveMiBps.toFixed(0)} MiB/s, load ${throughput.loadMiBps.toFixed(0)} MiB/s`);
  }

  for (const sizeMiB of sizesMiB) {
    const values = randomFloats((sizeMiB * MiB) / 4, sizeMiB);
    const runs = repeatsAt(sizeMiB, repeats);
    const row = {
      sizeMiB,
      runs,
      checkpoint: await checkpointThroughput(values, runs, {}),
      hashing: await hashTimes(values, runs),
      rawIndexedDB: await rawThroughput(values, runs),
      tfjsIndexedDB: await tfjsThroughput(values, runs),
    };
    result.sizes.push(row);
    log(`${sizeMiB} MiB: ${JSON.stringify(row)}`);
  }
  return result;
}

/**
 * Runs per figure at one checkpoint size: `repeats` at 64 MiB, and as many more below it as
 * keep the time spent about the same, up to 5 × `repeats` (1 MiB: 25, 16 MiB: 20 at 5).
 * Measured: with 5 runs, save ÷ raw put at 1 MiB came out 0.48 in one bench run and 0.55 in the next.
 */
export function repeatsAt(sizeMiB: number, repeats: number): number {
  return Math.min(5 * repeats, Math.max(repeats, Math.round((repeats * 64) / sizeMiB)));
}

/** The result as Markdown tables, for FORMAT.md and bench reports. */
export function formatCheckpointBench(result: CheckpointBenchResult): string {
  const n = (x: number) => x.toFixed(0);
  return [
    `Chunk size (${result.comparisonMiB} MiB checkpoint) | save MiB/s | load MiB/s`,
    '---|---|---',
    ...result.chunkSizes.map((r) => `${r.chunkSize / MiB} MiB | ${n(r.saveMiBps)} | ${n(r.loadMiBps)}`),
    '',
    `Chunk values (${result.comparisonMiB} MiB) | commit ms | save MiB/s | load MiB/s`,
    '---|---|---|---',
    ...result.storedBytes.map((r) => `${r.kind} | ${n(r.commitMs)} | ${n(r.saveMiBps)} | ${n(r.loadMiBps)}`),
    '',
    'Size | checkpoint save / load | raw IndexedDB put / get | tfjs indexeddb:// save / load (MiB/s)',
    '---|---|---|---',
    ...result.sizes.map(
      (r) =>
        `${r.sizeMiB} MiB | ${n(r.checkpoint.saveMiBps)} / ${n(r.checkpoint.loadMiBps)} | ` +
        `${n(r.rawIndexedDB.saveMiBps)} / ${n(r.rawIndexedDB.loadMiBps)} | ${n(r.tfjsIndexedDB.saveMiBps)} / ${n(r.tfjsIndexedDB.loadMiBps)}`,
    ),
  ].join('\n');
}

/** The whole protocol: encode, temp writes, verify, strict commit; then a verified load. */
async function checkpointThroughput(
  values: Float32Array,
  repeats: number,
  options: { chunkSize?: number; storedBytes?: StoredBytesKind },
): Promise<Throughput> {
  await deadline('deleting the bench-checkpoint database', deleteDB('bench-checkpoint'));
  const store = await deadline('opening the checkpoint store', openCheckpointStore({ dbName: 'bench-checkpoint', retain: 1 }));
  try {
    const saves: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < repeats; i++) {
      let id = '';
      saves.push(await timed('our save', async () => (id = (await store.save(inputOf(values, i), options)).id)));
      loads.push(await timed('our load', () => store.load(id)));
    }
    return { saveMiBps: rate(values.byteLength, median(saves)), loadMiBps: rate(values.byteLength, median(loads)) };
  } finally {
    store.close();
  }
}

/** The hashing a save does (encode and verify each hash every chunk), timed alone. */
async function hashTimes(values: Float32Array, repeats: number): Promise<HashTimes> {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.byteLength; start += DEFAULT_CHUNK_SIZE) chunks.push(bytes.subarray(start, start + DEFAULT_CHUNK_SIZE));
  const timeWith = async (algorithm: 'sha-256' | typeof CHECKSUM_ALGORITHM) => {
    const runs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      runs.push(
        await timed(`hashing with ${algorithm}`, async () => {
          for (let pass = 0; pass < 2; pass++) for (const chunk of chunks) await checksumHex(algorithm, chunk);
        }),
      );
    }
    return median(runs);
  };
  return { hashMs: await timeWith(CHECKSUM_ALGORITHM), sha256HashMs: await timeWith('sha-256') };
}

/** Time of the commit transaction alone: the temp -> chunks copy this comparison is about. */
async function commitDuration(values: Float32Array, kind: StoredBytesKind): Promise<number> {
  await deadline('deleting the bench-commit database', deleteDB('bench-commit'));
  const store: CheckpointStore = await deadline('opening the checkpoint store', openCheckpointStore({ dbName: 'bench-commit', retain: 1 }));
  try {
    const encoded = await encodeCheckpoint(inputOf(values, 0), { id: crypto.randomUUID() });
    await writeTemp(store.db, encoded, { storedBytes: kind });
    await verifyTemp(store.db, encoded);
    return await timed('our commit', () => commitSave(store.db, encoded));
  } finally {
    store.close();
  }
}

/** One put of the same bytes in one strict transaction, and one get: the floor for any store. */
async function rawThroughput(values: Float32Array, repeats: number): Promise<Throughput> {
  await deadline('deleting the bench-raw database', deleteDB('bench-raw'));
  const db = await deadline('opening the bench-raw database', openDB('bench-raw', 1, { upgrade: (d) => void d.createObjectStore('bytes') }));
  try {
    const saves: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const bytes = values.slice().buffer;
      saves.push(
        await timed('the raw put', async () => {
          const tx = db.transaction('bytes', 'readwrite', { durability: 'strict' });
          await Promise.all([tx.store.put(bytes, 'weights'), tx.done]);
        }),
      );
      loads.push(await timed('the raw get', () => db.get('bytes', 'weights')));
    }
    return { saveMiBps: rate(values.byteLength, median(saves)), loadMiBps: rate(values.byteLength, median(loads)) };
  } finally {
    db.close();
  }
}

/**
 * tfjs's model.save('indexeddb://...') and tf.loadLayersModel of a model with the same weight
 * bytes. The save is timed until tfjs's write has committed: then a read-only transaction on
 * tfjs's model store, opened from a second connection, can run, since IndexedDB starts it only
 * after every earlier read-write transaction over that store has finished.
 */
async function tfjsThroughput(values: Float32Array, repeats: number): Promise<TfjsThroughput> {
  const side = Math.round(Math.sqrt(values.length));
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [side], units: values.length / side, useBias: false, kernelInitializer: 'zeros' })] });
  const kernel = tf.tensor2d(values, [side, values.length / side]);
  model.setWeights([kernel]);
  kernel.dispose();
  const url = 'indexeddb://checkpoint-bench';
  // tfjs creates its database on the first save; open ours after it, at tfjs's version.
  await deadline('the first tfjs save', model.save(url));
  const tfjsDB = await deadline("opening tfjs's database", openDB(TFJS_DB_NAME, TFJS_DB_VERSION));
  try {
    const saves: number[] = [];
    const resolved: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const start = performance.now();
      await deadline('the tfjs save', model.save(url));
      resolved.push(performance.now() - start);
      await deadline("the tfjs save's commit", tfjsDB.transaction(TFJS_MODEL_STORE, 'readonly').done);
      saves.push(performance.now() - start);
      loads.push(
        await timed('the tfjs load', async () => {
          const loaded = await tf.loadLayersModel(url);
          loaded.dispose();
        }),
      );
    }
    const bytes = values.byteLength;
    return { saveMiBps: rate(bytes, median(saves)), saveResolvedMiBps: rate(bytes, median(resolved)), loadMiBps: rate(bytes, median(loads)) };
  } finally {
    tfjsDB.close();
    model.dispose();
    await deadline('removing the tfjs model', tf.io.removeModel(url));
  }
}

/** Names from tfjs-core's io/indexed_db.ts. */
const TFJS_DB_NAME = 'tensorflowjs';
const TFJS_DB_VERSION = 1;
const TFJS_MODEL_STORE = 'models_store';

function inputOf(values: Float32Array, step: number): CheckpointInput {
  const side = Math.round(Math.sqrt(values.length));
  return {
    runId: 'bench',
    step,
    loss: 1,
    config: {},
    metrics: {},
    state: {},
    tensors: [{ name: 'dense/kernel', dtype: 'float32', shape: [side, values.length / side], values }],
  };
}

/** Milliseconds `work` took; it fails, naming `what`, if it takes longer than DEADLINE_MS. */
async function timed(what: string, work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await deadline(what, work());
  return performance.now() - start;
}

/**
 * Far more than any operation here takes (the slowest, a 64 MiB save, takes ~0.5 s). One
 * `npm run bench` once stalled at 16 MiB with the browser idle and no way to tell on what;
 * with this, such a stall ends the run with the operation's name.
 */
const DEADLINE_MS = 60_000;

function deadline<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The benchmark stopped: ${what} had not finished after ${DEADLINE_MS / 1000} s.`)), DEADLINE_MS);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

async function repeat(times: number, work: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await work());
  return out;
}

const rate = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
