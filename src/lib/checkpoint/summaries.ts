import type { CheckpointRecord, RunRecord } from './schema.ts';
import type { CheckpointSummary, RunSummary } from './types.ts';

export function toCheckpointSummary(record: CheckpointRecord, run: RunRecord | undefined): CheckpointSummary {
  const { manifest } = record;
  return {
    id: record.id,
    runId: record.runId,
    step: manifest.step,
    createdAt: manifest.createdAt,
    loss: manifest.loss,
    metrics: manifest.metrics,
    bytes: manifest.totalBytes,
    isBest: run?.best === record.id,
    isLatest: run?.latest === record.id,
    corrupt: record.corrupt !== undefined,
    ...(record.corrupt ? { corruptReason: record.corrupt.reason } : {}),
  };
}

/** The record without its commit counter (a copy, so no caller holds the stored object). */
export function toRunSummary(run: RunRecord): RunSummary {
  const { nextSeq: _, ...summary } = run;
  return summary;
}
