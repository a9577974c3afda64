/**
 * Runs when the store opens, before anything reads checkpoints: removes what killed saves
 * left behind. Idempotent, and safe while other tabs save.
 */
import { liveSaveIds } from './locks.ts';
import { describeSweep } from './messages.ts';
import { chunkRange, tempRange, type PlaygroundDBConnection, type TempManifestRecord, type TempRecord } from './schema.ts';
import { storedSize } from './stored-bytes.ts';
import { inTransaction } from './transaction.ts';
import type { SweepReport } from './types.ts';

export interface SweepOptions {
  /**
   * Only where Web Locks is missing: a save whose temp records are older than this is
   * taken for dead. Long enough for a slow save of a large model to finish.
   */
  maxTempAgeMs?: number;
  /** The current time in ms; tests pass their own. */
  now?: number;
}

export const DEFAULT_MAX_TEMP_AGE_MS = 60 * 60 * 1000;

export async function sweep(db: PlaygroundDBConnection, options: SweepOptions = {}): Promise<SweepReport> {
  const temp = await sweepOrphanedTemp(db, options);
  const orphans = await sweepOrphanChunks(db);
  const report = { ...temp, ...orphans };
  return { ...report, message: describeSweep(report) };
}

/**
 * Deletes the temp records of every save that is not running anywhere: no tab or worker
 * holds its Web Lock (or, without Web Locks, it is older than maxTempAgeMs).
 */
export async function sweepOrphanedTemp(
  db: PlaygroundDBConnection,
  options: SweepOptions = {},
): Promise<Pick<SweepReport, 'unfinishedSaves' | 'tempRecords' | 'tempBytes'>> {
  // Keys first, locks second. A save takes its lock before writing its first record, so any
  // record listed here whose lock is free in the later query belongs to a save that has ended.
  const listed = new Set((await db.getAllKeys('temp')).map(([saveId]) => saveId));
  if (listed.size === 0) return { unfinishedSaves: 0, tempRecords: 0, tempBytes: 0 };
  const live = await liveSaveIds();
  const now = options.now ?? Date.now();
  const maxAge = options.maxTempAgeMs ?? DEFAULT_MAX_TEMP_AGE_MS;

  const tx = db.transaction('temp', 'readwrite');
  return inTransaction(tx, async () => {
    let unfinishedSaves = 0;
    let tempRecords = 0;
    let tempBytes = 0;
    for (const saveId of listed) {
      if (live?.has(saveId)) continue;
      const manifestRecord = (await tx.store.get([saveId, 'manifest'])) as TempManifestRecord | undefined;
      if (!live && manifestRecord && now - manifestRecord.createdAt < maxAge) continue;
      const parts = (await tx.store.getAllKeys(tempRange(saveId))).map(([, part]) => part);
      // The save committed or cleaned up after the listing above.
      if (parts.length === 0) continue;
      for (const part of parts) {
        if (part === 'manifest') continue;
        // The manifest sizes each chunk without reading it; it is only missing in stores
        // written by something other than writeTemp().
        const size = manifestRecord?.manifest.chunks[part]?.size;
        tempBytes += size ?? storedSizeOf(await tx.store.get([saveId, part]));
      }
      unfinishedSaves += 1;
      tempRecords += parts.length;
      await tx.store.delete(tempRange(saveId));
    }
    return { unfinishedSaves, tempRecords, tempBytes };
  });
}

/**
 * Deletes committed chunks that no manifest references. The commit and delete transactions
 * write chunks and manifests together, so there should never be any; this repairs stores
 * written by anything else. One transaction sees both stores at one moment.
 */
export async function sweepOrphanChunks(db: PlaygroundDBConnection): Promise<Pick<SweepReport, 'orphanChunks' | 'orphanBytes'>> {
  const tx = db.transaction(['chunks', 'checkpoints'], 'readwrite');
  const chunks = tx.objectStore('chunks');
  return inTransaction(tx, async () => {
    const committed = new Set(await tx.objectStore('checkpoints').getAllKeys());
    const orphanIds = new Set<string>();
    let orphanChunks = 0;
    let orphanBytes = 0;
    for (const [checkpointId, index] of await chunks.getAllKeys()) {
      if (committed.has(checkpointId)) continue;
      orphanIds.add(checkpointId);
      orphanChunks += 1;
      const record = await chunks.get([checkpointId, index]);
      orphanBytes += record ? storedSize(record.data) : 0;
    }
    await Promise.all([...orphanIds].map((id) => chunks.delete(chunkRange(id))));
    return { orphanChunks, orphanBytes };
  });
}

function storedSizeOf(record: TempRecord | undefined): number {
  return record && record.part !== 'manifest' ? storedSize(record.data) : 0;
}
