/**
 * One trainer per run across tabs: the tab that trains a run holds the Web Lock `run:<runId>`.
 * Another tab asks with ifAvailable and, when it is taken, shows the run read-only until the
 * user takes it over (steal), which makes the first holder's lock fail with an AbortError.
 */
export const runLockName = (runId: string) => `run:${runId}`;

export class RunLock {
  #release: (() => void) | null = null;

  private constructor() {}

  /**
   * Takes the run's lock. Resolves null if another tab holds it (unless `steal`). `onLost`
   * runs if another tab steals it later.
   */
  static async acquire(runId: string, options: { steal?: boolean; onLost: () => void }): Promise<RunLock | null> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    const lock = new RunLock();
    // Without Web Locks (very old browsers) every tab may train; there is nothing to coordinate with.
    if (!locks) return lock;
    return new Promise<RunLock | null>((resolve) => {
      const lockOptions: LockOptions = options.steal ? { steal: true } : { ifAvailable: true };
      locks
        .request(runLockName(runId), lockOptions, (granted) => {
          if (!granted) {
            resolve(null);
            return;
          }
          resolve(lock);
          return new Promise<void>((release) => (lock.#release = release));
        })
        .catch((error: unknown) => {
          if ((error as DOMException).name === 'AbortError' && lock.#release) {
            lock.#release = null;
            options.onLost();
          }
        });
    });
  }

  release(): void {
    this.#release?.();
    this.#release = null;
  }
}
