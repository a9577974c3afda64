import { describe, expect, it } from 'vitest';
import { choosePointers, chooseRetained, refreshRun } from '../../src/lib/checkpoint/retention.ts';
import { describeFallback, describeSaveFailure, describeSweep, formatBytes } from '../../src/lib/checkpoint/messages.ts';
import type { CheckpointRecord, RunRecord } from '../../src/lib/checkpoint/schema.ts';

function record(seq: number, loss: number, corrupt = false): CheckpointRecord {
  const manifest = { id: `c${seq}`, step: seq * 10, loss, totalBytes: 100 } as CheckpointRecord['manifest'];
  return { id: `c${seq}`, runId: 'r', seq, manifest, manifestChecksum: { algorithm: 'xxh64', value: '' }, ...(corrupt ? { corrupt: { reason: 'x', at: 0 } } : {}) };
}

describe('retention', () => {
  it('points latest at the newest intact checkpoint and best at the lowest intact loss', () => {
    expect(choosePointers([record(1, 0.5), record(2, 0.1, true), record(3, 0.4)])).toEqual({ latest: 'c3', best: 'c3' });
    expect(choosePointers([record(1, 0.2), record(2, 0.3), record(3, 0.4, true)])).toEqual({ latest: 'c2', best: 'c1' });
    expect(choosePointers([record(1, 0.2), record(2, 0.2)]).best).toBe('c2');
    expect(choosePointers([record(1, 0.2, true)])).toEqual({ latest: null, best: null });
  });

  it('keeps the newest N plus the best, whatever order the records come in', () => {
    const records = [record(4, 0.6), record(1, 0.9), record(2, 0.1), record(6, 0.4), record(3, 0.7), record(5, 0.5)];
    const { keep, drop } = chooseRetained(records, 3);
    expect(keep.map((r) => r.id)).toEqual(['c6', 'c5', 'c4', 'c2']);
    expect(drop.map((r) => r.id).sort()).toEqual(['c1', 'c3']);
    expect(chooseRetained(records, 1).keep.map((r) => r.id)).toEqual(['c6', 'c2']);
    expect(() => chooseRetained(records, 0)).toThrow('retain must be a whole number of at least 1');
  });

  it('refreshes counts and bytes with the pointers', () => {
    const run = { id: 'r', name: 'r', config: null, createdAt: 0, updatedAt: 0, latest: null, best: null, nextSeq: 3, checkpointCount: 0, bytes: 0 } satisfies RunRecord;
    expect(refreshRun(run, [record(1, 0.3), record(2, 0.4)], 9)).toMatchObject({ latest: 'c2', best: 'c1', checkpointCount: 2, bytes: 200, updatedAt: 9 });
  });
});

describe('messages', () => {
  it('formats sizes the way the browser settings do', () => {
    expect([12, 1, 4200, 99_999, 3_100_000, 64 * 1024 * 1024, 2.5e9].map(formatBytes)).toEqual([
      '12 bytes',
      '1 byte',
      '4 KB',
      '100 KB',
      '3.1 MB',
      '67.1 MB',
      '2.5 GB',
    ]);
  });

  it('writes the sweep, fallback and save-failure sentences', () => {
    expect(describeSweep({ unfinishedSaves: 1, tempBytes: 3_100_000, orphanChunks: 0, orphanBytes: 0 })).toBe(
      'Cleaned up 1 unfinished save from an earlier session (3.1 MB).',
    );
    expect(describeSweep({ unfinishedSaves: 0, tempBytes: 0, orphanChunks: 0, orphanBytes: 0 })).toBeNull();
    expect(describeFallback([{ step: 9, reason: 'chunk 1 of 2 is missing' }, { step: 8, reason: 'x' }], 7)).toBe(
      '2 newer checkpoints (steps 9, 8) are damaged, so the run was loaded from step 7 instead.',
    );
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    expect(describeSaveFailure(quota, 3, 8_000_000, { usage: 95e6, quota: 100e6 })).toBe(
      'There is not enough storage space to save the checkpoint at step 3 (8.0 MB; while saving it briefly needs about twice that). ' +
        'The browser reports 5.0 MB free for this site. Delete old checkpoints or runs, or make storage persistent, then save again. ' +
        'Earlier checkpoints are unchanged and training goes on.',
    );
    expect(describeSaveFailure(new DOMException('Disk I/O', 'UnknownError'), 3, 8_000_000, null)).toContain(
      'failed because the browser aborted the write (UnknownError: Disk I/O). The browser does not say how much space is free.',
    );
  });
});
