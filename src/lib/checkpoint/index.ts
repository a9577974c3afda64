// The checkpoint store's public surface, for the worker, tests and benchmarks. FORMAT.md
// describes what it writes.
export * from './types.ts';
export * from './errors.ts';
export { openCheckpointStore, CheckpointStore, type CheckpointStoreOptions } from './store.ts';
export { snapshotTensors } from './snapshot.ts';
export {
  encodeCheckpoint,
  decodeTensors,
  findLayoutProblem,
  manifestChecksum,
  chunkChecksum,
  checksumAlgorithmOf,
  matchesChecksum,
  DEFAULT_CHUNK_SIZE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  READABLE_MANIFEST_VERSIONS,
  type EncodedCheckpoint,
  type EncodeOptions,
} from './codec.ts';
export { sha256Hex, checksumHex, checksumLabel, CHECKSUM_ALGORITHM, type Checksum, type ChecksumAlgorithm } from './checksum.ts';
export { saveCheckpoint, writeTemp, verifyTemp, commitSave, deleteTempSave, storageEstimate, type SaveOptions, type CommittedSave } from './save.ts';
export { sweep, sweepOrphanedTemp, sweepOrphanChunks, DEFAULT_MAX_TEMP_AGE_MS, type SweepOptions } from './sweep.ts';
export { loadCheckpoint, loadLatestIntact, markCorrupt } from './load.ts';
export { choosePointers, chooseRetained, DEFAULT_RETAIN } from './retention.ts';
export { withSaveLock, liveSaveIds, saveLockName } from './locks.ts';
export { formatBytes } from './messages.ts';
export { DEFAULT_STORED_BYTES_KIND, type StoredBytesKind } from './stored-bytes.ts';
export {
  openPlaygroundDB,
  DEFAULT_DB_NAME,
  DB_VERSION,
  chunkRange,
  tempRange,
  type PlaygroundDB,
  type ClosedReason,
  type PlaygroundDBConnection,
  type RunRecord,
  type CheckpointRecord,
  type ChunkRecord,
  type TempRecord,
  type StoredBytes,
} from './schema.ts';
