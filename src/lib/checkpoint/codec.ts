/**
 * Turns a CheckpointInput into chunks plus a manifest, and back. No IndexedDB here: this
 * is the part of a save that may await hashing and copy bytes, before any transaction opens.
 */
import { CHECKSUM_ALGORITHM, checksumHex, type Checksum, type ChecksumAlgorithm } from './checksum.ts';
import { CheckpointInputError, NonFiniteCheckpointError } from './errors.ts';
import type { CheckpointInput, ChunkEntry, Manifest, ManifestV2, SaveProgress, TensorData, TensorEntry } from './types.ts';

// Kept here too for the export's record of its TensorFlow.js copy (src/lib/share/layers-copy.ts).
export { sha256Hex } from './checksum.ts';

/** The `format` field of every manifest. */
export const MANIFEST_FORMAT = 'webgpu-playground/checkpoint';
/** The `version` field this code writes. */
export const MANIFEST_VERSION = 2;
/** The versions it reads: v1 (SHA-256 per chunk) and v2 (xxh64 per chunk). */
export const READABLE_MANIFEST_VERSIONS: readonly number[] = [1, 2];
/**
 * Measured with bench/checkpoint-bench.ts (FORMAT.md has the numbers): save speed climbs
 * up to 8 MiB chunks and is flat beyond, while bigger chunks only cost memory and coarser progress.
 */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

const BYTES_PER_ELEMENT = { float32: 4, int32: 4 } as const;

export interface EncodedCheckpoint {
  manifest: ManifestV2;
  /** Checksum of JSON.stringify(manifest), with the chunks' algorithm. */
  manifestChecksum: Checksum;
  /**
   * Chunk i holds stream bytes [i * chunkSize, i * chunkSize + size). A chunk that lies
   * inside one tensor is a view of that tensor's values, not a copy: the caller must not
   * change the values until the save (or export) is done.
   */
  chunks: Uint8Array<ArrayBuffer>[];
}

export interface EncodeOptions {
  /** Becomes the checkpoint id. */
  id: string;
  chunkSize?: number;
  createdAt?: number;
  onProgress?: (progress: SaveProgress) => void;
}

/** The algorithm of a manifest's chunk checksums: SHA-256 in v1, recorded in the manifest from v2 on. */
export function checksumAlgorithmOf(manifest: Manifest): ChecksumAlgorithm {
  return manifest.version === 1 ? 'sha-256' : manifest.checksumAlgorithm;
}

/** Chunk i's recorded checksum. */
export function chunkChecksum(manifest: Manifest, index: number): Checksum {
  return manifest.version === 1
    ? { algorithm: 'sha-256', value: manifest.chunks[index].sha256 }
    : { algorithm: manifest.checksumAlgorithm, value: manifest.chunks[index].checksum };
}

/**
 * The checksum of JSON.stringify(manifest), so a flipped bit in the header (shape, offsets,
 * state) is caught as a chunk's checksum catches one in the weights.
 */
export async function manifestChecksum(manifest: Manifest, algorithm: ChecksumAlgorithm = checksumAlgorithmOf(manifest)): Promise<Checksum> {
  return { algorithm, value: await checksumHex(algorithm, new TextEncoder().encode(JSON.stringify(manifest))) };
}

/** Whether `bytes` match a recorded checksum. */
export async function matchesChecksum(expected: Checksum, bytes: Uint8Array): Promise<boolean> {
  return (await checksumHex(expected.algorithm, bytes)) === expected.value;
}

/**
 * Lays the tensors out back to back in one byte stream, cuts the stream into chunks of
 * `chunkSize` bytes and hashes each chunk. Refuses NaN and Infinity before anything is written.
 */
export async function encodeCheckpoint(input: CheckpointInput, options: EncodeOptions): Promise<EncodedCheckpoint> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  validateInput(input, chunkSize);

  const tensors: TensorEntry[] = [];
  let totalBytes = 0;
  for (const t of input.tensors) {
    const length = t.values.byteLength;
    tensors.push({
      name: t.name,
      dtype: t.dtype,
      shape: [...t.shape],
      chunk: Math.floor(totalBytes / chunkSize),
      offset: totalBytes % chunkSize,
      length,
    });
    totalBytes += length;
  }

  const chunks = layOutChunks(input.tensors, tensors, totalBytes, chunkSize);

  // xxh64 in WebAssembly hashes an 8 MiB chunk in ~0.7 ms, synchronously, one chunk at a time.
  let hashed = 0;
  const entries: ChunkEntry[] = [];
  for (const chunk of chunks) {
    entries.push({ size: chunk.byteLength, checksum: await checksumHex(CHECKSUM_ALGORITHM, chunk) });
    hashed += chunk.byteLength;
    options.onProgress?.({ phase: 'encode', bytesDone: hashed, bytesTotal: totalBytes });
  }

  const manifest: ManifestV2 = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    checksumAlgorithm: CHECKSUM_ALGORITHM,
    id: options.id,
    runId: input.runId,
    ...(input.runName === undefined ? {} : { runName: input.runName }),
    step: input.step,
    loss: input.loss,
    createdAt: options.createdAt ?? Date.now(),
    config: input.config,
    metrics: input.metrics,
    state: input.state,
    chunkSize,
    totalBytes,
    tensors,
    chunks: entries,
  };
  return { manifest, manifestChecksum: await manifestChecksum(manifest), chunks };
}

/**
 * Rebuilds the tensors from verified chunk bytes. Each tensor gets its own buffer, so a
 * caller may transfer or keep one without pinning the others.
 */
export function decodeTensors(manifest: Manifest, chunks: Uint8Array[]): TensorData[] {
  return manifest.tensors.map((entry) => {
    const bytes = new Uint8Array(entry.length);
    let done = 0;
    let chunk = entry.chunk;
    let offset = entry.offset;
    while (done < entry.length) {
      const piece = chunks[chunk].subarray(offset, offset + entry.length - done);
      bytes.set(piece, done);
      done += piece.byteLength;
      chunk += 1;
      offset = 0;
    }
    const values = entry.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    return { name: entry.name, dtype: entry.dtype, shape: [...entry.shape], values };
  });
}

/** Where a tensor's bytes start in the checkpoint's byte stream. */
export function streamStart(entry: TensorEntry, chunkSize: number): number {
  return entry.chunk * chunkSize + entry.offset;
}

/**
 * The one tensor whose bytes hold stream bytes [start, start + size) whole, or -1 when they
 * span several: such a chunk can be a view of that tensor (saving) or be read straight into
 * it (loading).
 */
export function tensorHolding(entries: TensorEntry[], chunkSize: number, start: number, size: number): number {
  return entries.findIndex((e) => {
    const from = start - streamStart(e, chunkSize);
    return from >= 0 && from + size <= e.length;
  });
}

/**
 * Checks that the tensor table and chunk table agree with each other, so that a damaged
 * header cannot make decodeTensors or readIntoTensors read out of bounds. Returns what is
 * wrong, or null.
 */
export function findLayoutProblem(manifest: Manifest): string | null {
  const { chunkSize, totalBytes, chunks, tensors } = manifest;
  if (!(chunkSize > 0) || chunkSize % 4 !== 0) return `its chunk size ${chunkSize} is not a positive multiple of 4`;
  const expectedChunks = Math.ceil(totalBytes / chunkSize);
  if (chunks.length !== expectedChunks) return `it lists ${chunks.length} chunks where ${totalBytes} bytes need ${expectedChunks}`;
  for (let i = 0; i < chunks.length; i++) {
    const expected = Math.min(chunkSize, totalBytes - i * chunkSize);
    if (chunks[i].size !== expected) return `chunk ${i} is listed as ${chunks[i].size} bytes instead of ${expected}`;
  }
  let position = 0;
  for (const t of tensors) {
    if (!(t.dtype in BYTES_PER_ELEMENT)) return `tensor "${t.name}" has the unknown dtype "${t.dtype}"`;
    if (t.length !== elementCount(t.shape) * BYTES_PER_ELEMENT[t.dtype]) return `tensor "${t.name}" has a length that does not match its shape`;
    if (streamStart(t, chunkSize) !== position || t.offset >= chunkSize) return `tensor "${t.name}" does not start where the previous one ends`;
    position += t.length;
  }
  if (position !== totalBytes) return `its tensors cover ${position} bytes instead of ${totalBytes}`;
  return null;
}

/**
 * The stream cut into chunks. Big tensors fill most chunks alone, and such a chunk is a view
 * of its tensor rather than a copy (copying 64 MB took ~40 ms of a ~600 ms save). A chunk
 * shared by several tensors is assembled in a buffer of its own.
 */
function layOutChunks(tensors: TensorData[], entries: TensorEntry[], totalBytes: number, chunkSize: number): Uint8Array<ArrayBuffer>[] {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const assembled: boolean[] = [];
  for (let start = 0; start < totalBytes; start += chunkSize) {
    const size = Math.min(chunkSize, totalBytes - start);
    const view = viewInsideOneTensor(tensors, entries, start, size, chunkSize);
    chunks.push(view ?? new Uint8Array(size));
    assembled.push(view === null);
  }
  tensors.forEach((t, i) => copyIntoChunks(asBytes(t.values), entries[i], chunks, chunkSize, assembled));
  return chunks;
}

/** Stream bytes [start, start + size) as a view of the one tensor that holds them all, or null. */
function viewInsideOneTensor(tensors: TensorData[], entries: TensorEntry[], start: number, size: number, chunkSize: number): Uint8Array<ArrayBuffer> | null {
  const i = tensorHolding(entries, chunkSize, start, size);
  if (i === -1) return null;
  const from = start - streamStart(entries[i], chunkSize);
  const bytes = asBytes(tensors[i].values);
  // A SharedArrayBuffer view could change under the hash and cannot go into a Blob as is.
  return bytes.buffer instanceof ArrayBuffer ? (bytes.subarray(from, from + size) as Uint8Array<ArrayBuffer>) : null;
}

/** Copies one tensor's bytes into the assembled chunks it spans. */
function copyIntoChunks(bytes: Uint8Array, entry: TensorEntry, chunks: Uint8Array[], chunkSize: number, assembled: boolean[]): void {
  let done = 0;
  let chunk = entry.chunk;
  let offset = entry.offset;
  while (done < bytes.byteLength) {
    const n = Math.min(chunkSize - offset, bytes.byteLength - done);
    if (assembled[chunk]) chunks[chunk].set(bytes.subarray(done, done + n), offset);
    done += n;
    chunk += 1;
    offset = 0;
  }
}

function asBytes(values: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validateInput(input: CheckpointInput, chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize <= 0 || chunkSize % 4 !== 0) {
    throw new CheckpointInputError(`The chunk size must be a positive multiple of 4 bytes, but it is ${chunkSize}.`);
  }
  if (typeof input.runId !== 'string' || input.runId === '') {
    throw new CheckpointInputError('A checkpoint needs a non-empty runId string.');
  }
  if (!Number.isInteger(input.step) || input.step < 0) {
    throw new CheckpointInputError(`The step must be a whole number of at least 0, but it is ${input.step}.`);
  }
  if (!Number.isFinite(input.loss)) throw new NonFiniteCheckpointError(input.step, 'the loss');
  const names = new Set<string>();
  for (const t of input.tensors) {
    if (names.has(t.name)) throw new CheckpointInputError(`Two tensors are named "${t.name}"; names must be unique.`);
    names.add(t.name);
    const expected = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : null;
    if (!expected) throw new CheckpointInputError(`Tensor "${t.name}" has dtype "${t.dtype}", but only float32 and int32 can be saved.`);
    if (!(t.values instanceof expected)) {
      throw new CheckpointInputError(`Tensor "${t.name}" is ${t.dtype} but its values are a ${t.values.constructor.name}, not a ${expected.name}.`);
    }
    if (t.values.length !== elementCount(t.shape)) {
      throw new CheckpointInputError(`Tensor "${t.name}" has shape [${t.shape}] but ${t.values.length} values.`);
    }
    if (t.dtype === 'float32' && !allFinite(t.values as Float32Array)) {
      throw new NonFiniteCheckpointError(input.step, `tensor "${t.name}"`);
    }
  }
}

function allFinite(values: Float32Array): boolean {
  // x - x is 0 for every finite x and NaN for NaN and ±Infinity; a plain loop is the fastest scan.
  for (let i = 0; i < values.length; i++) {
    if (values[i] - values[i] !== 0) return false;
  }
  return true;
}
