/**
 * Which checkpoints a run keeps and where its pointers go. Pure functions of the run's
 * checkpoint records, so every transaction that changes them recomputes the same way.
 */
import type { CheckpointRecord, RunRecord } from './schema.ts';
import { CheckpointInputError } from './errors.ts';

/** How many of the newest checkpoints a run keeps, besides its best. */
export const DEFAULT_RETAIN = 3;

export interface RunPointers {
  /** Newest intact checkpoint. */
  latest: string | null;
  /** Intact checkpoint with the lowest loss; on a tie the newer one. */
  best: string | null;
}

export function choosePointers(records: CheckpointRecord[]): RunPointers {
  let latest: CheckpointRecord | null = null;
  let best: CheckpointRecord | null = null;
  for (const r of records) {
    if (r.corrupt) continue;
    if (!latest || r.seq > latest.seq) latest = r;
    const loss = r.manifest.loss;
    if (!best || loss < best.manifest.loss || (loss === best.manifest.loss && r.seq > best.seq)) best = r;
  }
  return { latest: latest?.id ?? null, best: best?.id ?? null };
}

/**
 * Keeps the `retain` newest checkpoints (intact or not) plus the best intact one, and
 * drops the rest.
 */
export function chooseRetained(records: CheckpointRecord[], retain: number): { keep: CheckpointRecord[]; drop: CheckpointRecord[] } {
  assertRetain(retain);
  const { best } = choosePointers(records);
  const newestFirst = [...records].sort((a, b) => b.seq - a.seq);
  const keep: CheckpointRecord[] = [];
  const drop: CheckpointRecord[] = [];
  newestFirst.forEach((r, i) => (i < retain || r.id === best ? keep : drop).push(r));
  return { keep, drop };
}

/** The run record after its checkpoints became `records`. */
export function refreshRun(run: RunRecord, records: CheckpointRecord[], now: number): RunRecord {
  return {
    ...run,
    ...choosePointers(records),
    updatedAt: now,
    checkpointCount: records.length,
    bytes: records.reduce((sum, r) => sum + r.manifest.totalBytes, 0),
  };
}

export function assertRetain(retain: number): void {
  if (!Number.isInteger(retain) || retain < 1) {
    throw new CheckpointInputError(`retain must be a whole number of at least 1 (the newest checkpoint is always kept), but it is ${retain}.`);
  }
}
