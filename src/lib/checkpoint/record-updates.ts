/**
 * Changes to checkpoint and run records that several transactions make, written once so
 * that they stay the same everywhere: the commit's retention, remove(), removeRun() and
 * markCorrupt(). Each issues only IndexedDB requests on the stores it is handed.
 */
import { refreshRun } from './retention.ts';
import { chunkRange, runRange, type CheckpointRecord, type RunRecord } from './schema.ts';

/** The parts of the stores these helpers use, so they fit any transaction that holds them. */
interface CheckpointsStore {
  delete(key: string): Promise<void>;
  index(name: 'by-run'): { getAll(query: IDBKeyRange): Promise<CheckpointRecord[]> };
}
interface ChunksStore {
  delete(key: IDBKeyRange): Promise<void>;
}
interface RunsStore {
  get(key: string): Promise<RunRecord | undefined>;
  put(value: RunRecord): Promise<unknown>;
}

/** Deletes a checkpoint's record and every chunk of it: always together, so no chunk outlives its manifest. */
export function deleteCheckpointRecords(checkpoints: CheckpointsStore, chunks: ChunksStore, checkpointId: string): Promise<void>[] {
  return [checkpoints.delete(checkpointId), chunks.delete(chunkRange(checkpointId))];
}

/** Recomputes a run's pointers, count and bytes from its checkpoints as this transaction sees them. */
export async function refreshStoredRun(checkpoints: CheckpointsStore, runs: RunsStore, runId: string, now: number): Promise<void> {
  const [run, records] = await Promise.all([runs.get(runId), checkpoints.index('by-run').getAll(runRange(runId))]);
  if (run) await runs.put(refreshRun(run, records, now));
}
