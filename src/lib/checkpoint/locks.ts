/**
 * A save holds the Web Lock `ckpt-save:<saveId>` from its first byte to its commit. The
 * browser releases it when the tab or worker dies, so "temp records whose lock nobody
 * holds" is exactly "saves that will never finish", in this tab or any other.
 */

const SAVE_LOCK_PREFIX = 'ckpt-save:';

export const saveLockName = (saveId: string) => `${SAVE_LOCK_PREFIX}${saveId}`;

/** navigator.locks, or null where Web Locks is missing (old browsers, Node). */
function webLocks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

/** Runs `work` while holding the save's lock; without Web Locks it just runs it. */
export function withSaveLock<T>(saveId: string, work: () => Promise<T>): Promise<T> {
  const locks = webLocks();
  return locks ? locks.request(saveLockName(saveId), work) : work();
}

/** Save ids whose lock is held or requested right now, or null where Web Locks is missing. */
export async function liveSaveIds(): Promise<Set<string> | null> {
  const locks = webLocks();
  if (!locks) return null;
  const { held = [], pending = [] } = await locks.query();
  const ids = new Set<string>();
  for (const lock of [...held, ...pending]) {
    if (lock.name?.startsWith(SAVE_LOCK_PREFIX)) ids.add(lock.name.slice(SAVE_LOCK_PREFIX.length));
  }
  return ids;
}
