/** The tensor dtypes a checkpoint stores. */
export type TensorDType = 'float32' | 'int32';

/** One tensor's values, already read back from the device. */
export interface TensorData {
  /** Stable name, e.g. "param/dense0/kernel" or "optimizer/slot3". */
  name: string;
  dtype: TensorDType;
  shape: number[];
  values: Float32Array | Int32Array;
}

/** What the trainer hands to save(): the whole training state at one step boundary. */
export interface CheckpointInput {
  runId: string;
  /** Human name of the run, stored on the run record. */
  runName?: string;
  step: number;
  /** Loss that ranks checkpoints for "best" (lower is better). */
  loss: number;
  /** The run's TrainConfig, as JSON. */
  config: unknown;
  /** Latest metrics, e.g. { trainLoss, testLoss, testAccuracy }. */
  metrics: Record<string, number>;
  /** Trainer state that is not tensors (progress, backend, ...), as JSON. */
  state: unknown;
  tensors: TensorData[];
}

/** Where one tensor's bytes live. FORMAT.md draws the layout. */
export interface TensorEntry {
  name: string;
  dtype: TensorDType;
  shape: number[];
  /** Index of the chunk holding the tensor's first byte. */
  chunk: number;
  /** Byte offset of the first byte within that chunk. */
  offset: number;
  /** Byte length; the bytes continue into the following chunks when they do not fit. */
  length: number;
}

/** A chunk in a format v2 manifest. */
export interface ChunkEntry {
  /** Byte length of the chunk. */
  size: number;
  /** The chunk's checksum (the manifest's `checksumAlgorithm`), lowercase hex. */
  checksum: string;
}

/** A chunk in a format v1 manifest: still loaded, verified and imported, never written. */
export interface ChunkEntryV1 {
  size: number;
  /** SHA-256 of the chunk's bytes, lowercase hex. */
  sha256: string;
}

/** Everything a manifest holds in both format versions. */
interface ManifestCommon {
  /** Always MANIFEST_FORMAT; tells a checkpoint apart from anything else in the store. */
  format: string;
  /** Checkpoint id, equal to the save id it had while in progress. */
  id: string;
  runId: string;
  runName?: string;
  step: number;
  loss: number;
  /** Milliseconds since the epoch, when encoding started. */
  createdAt: number;
  config: unknown;
  metrics: Record<string, number>;
  state: unknown;
  /** Size of every chunk but the last, in bytes. */
  chunkSize: number;
  /** Sum of all tensor bytes (and of all chunk sizes). */
  totalBytes: number;
  tensors: TensorEntry[];
}

/** Self-describing header of one checkpoint, as written now: everything but the tensor bytes. */
export interface ManifestV2 extends ManifestCommon {
  /** Layout version; a loader refuses versions it does not know. */
  version: 2;
  /** The algorithm of every chunk's `checksum`. */
  checksumAlgorithm: 'xxh64';
  chunks: ChunkEntry[];
}

/** Format v1 (SHA-256 per chunk), written until format v2; FORMAT.md describes both. */
export interface ManifestV1 extends ManifestCommon {
  version: 1;
  chunks: ChunkEntryV1[];
}

export type Manifest = ManifestV1 | ManifestV2;

/** One step of a save, reported in order: encode, write, verify, commit. */
export interface SaveProgress {
  phase: 'encode' | 'write' | 'verify' | 'commit';
  bytesDone: number;
  bytesTotal: number;
}

/** What list() shows for one checkpoint. */
export interface CheckpointSummary {
  id: string;
  runId: string;
  step: number;
  createdAt: number;
  loss: number;
  metrics: Record<string, number>;
  /** Tensor bytes stored for this checkpoint. */
  bytes: number;
  isBest: boolean;
  isLatest: boolean;
  /** True once a load found damaged bytes; such a checkpoint is never loaded again. */
  corrupt: boolean;
  /** Why it was marked corrupt, as a sentence. */
  corruptReason?: string;
}

export interface SaveResult extends CheckpointSummary {
  /** Checkpoints of the run that retention deleted in the same transaction. */
  removedIds: string[];
}

/** What listRuns() shows for one run. */
export interface RunSummary {
  id: string;
  name: string;
  /** The TrainConfig of the run's latest save. */
  config: unknown;
  createdAt: number;
  updatedAt: number;
  /** Newest intact checkpoint, or null. */
  latest: string | null;
  /** Intact checkpoint with the lowest loss, or null. */
  best: string | null;
  checkpointCount: number;
  bytes: number;
}

export interface LoadedCheckpoint {
  manifest: Manifest;
  /** Verified values, in the order they were saved. */
  tensors: TensorData[];
}

export interface LoadLatestResult extends LoadedCheckpoint {
  /** Newer checkpoints that were damaged and skipped, newest first. */
  skipped: { id: string; step: number; reason: string }[];
  /** A sentence for the user when a fallback happened, otherwise null. */
  message: string | null;
}

export interface SweepReport {
  /** Saves from earlier sessions that never committed. */
  unfinishedSaves: number;
  tempRecords: number;
  tempBytes: number;
  /** Committed chunks that no manifest references. */
  orphanChunks: number;
  orphanBytes: number;
  /** A sentence for the user, or null when there was nothing to clean. */
  message: string | null;
}

export interface UsageReport {
  runs: { runId: string; name: string; bytes: number; checkpointCount: number }[];
  /** navigator.storage.estimate(), or null where the Storage API is missing. */
  estimate: { usage: number; quota: number } | null;
  /** navigator.storage.persisted(), or null where the Storage API is missing. */
  persisted: boolean | null;
}
