/** Minimal view of an idb transaction, so this helper fits every store combination. */
interface Transaction {
  readonly done: Promise<void>;
  readonly error: DOMException | null;
  abort(): void;
}

/**
 * Runs `work` (IndexedDB requests only) and resolves after the transaction commits. If
 * `work` throws, the transaction is aborted so that none of its requests take effect: idb
 * would otherwise commit whatever was issued before the throw. The error thrown is the one
 * that aborted the transaction (e.g. QuotaExceededError at commit, after every put
 * succeeded), else the one `work` threw, unchanged.
 */
export async function inTransaction<T>(tx: Transaction, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    await tx.done;
    return result;
  } catch (error) {
    // The rejection is reported through the throw below.
    tx.done.catch(() => {});
    try {
      tx.abort();
    } catch {
      // Already finished (aborted by the browser); tx.error says why.
    }
    throw tx.error ?? error;
  }
}
