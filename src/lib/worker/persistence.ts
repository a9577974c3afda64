import { openCheckpointStore, type CheckpointStore } from '../checkpoint/store.ts';
import type { ClosedReason } from '../checkpoint/schema.ts';
import type { CheckpointInput, CheckpointSummary, LoadedCheckpoint, RunSummary, SaveProgress, SaveResult } from '../checkpoint/types.ts';
import type { RunState } from '../engine/trainer-like.ts';
import { toCheckpointInput, type CheckpointMeta } from '../checkpoint/training-state.ts';
import type { RunListing, WorkerEvent } from './protocol.ts';

/** How often to try opening a fresh database after the old one was deleted under us (about 6 s in all). */
const REOPEN_ATTEMPTS = 6;

/** Tabs announce committed or deleted checkpoints here, so every tab's lists stay current. */
export const CHECKPOINT_CHANNEL = 'webgpu-playground:checkpoints';
type ChannelMessage = { type: 'changed'; runId: string };

/**
 * The worker's side of the checkpoint store: opens it (which sweeps), runs at most one save
 * at a time in the background, and keeps the page's run and checkpoint lists current.
 */
export class Persistence {
  #post: (event: WorkerEvent) => void;
  #store: CheckpointStore | null = null;
  #channel: BroadcastChannel | null = null;
  #saving: Promise<unknown> | null = null;
  /** Called when another tab changed a run's checkpoints. */
  onRemoteChange: (runId: string) => void = () => {};
  /** Called when the store was reopened after the browser closed it; what it holds may be gone. */
  onStoreReopened: () => void = () => {};
  /** Run whose checkpoint list the page shows. */
  currentRunId: string | null = null;

  constructor(post: (event: WorkerEvent) => void) {
    this.#post = post;
  }

  get store(): CheckpointStore | null {
    return this.#store;
  }

  get isSaving(): boolean {
    return this.#saving !== null;
  }

  /** Opens the database; failures (private mode, blocked) are reported and training still works. */
  async open(): Promise<void> {
    if (!(await this.#openStore())) return;
    this.#announceOpened(this.#store!);
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(CHECKPOINT_CHANNEL);
      this.#channel.onmessage = (event: MessageEvent<ChannelMessage>) => {
        if (event.data?.type !== 'changed') return;
        void this.publishLists();
        this.onRemoteChange(event.data.runId);
      };
    }
    await this.publishLists();
  }

  /** Opens the store, retrying with growing pauses: right after "clear site data" Chromium refuses opens for a moment. */
  async #openStore(attempts = 1): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#store = await openCheckpointStore({
          onBlocked: () => this.#notice('The checkpoint store is waiting for another playground tab that uses an older version; reload or close that tab.'),
          onVersionChange: (reason) => void this.#onClosed(reason),
        });
        return true;
      } catch (error) {
        if (attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
          continue;
        }
        this.#post({ type: 'error', message: `Checkpoints are unavailable, so training cannot be saved or resumed: ${(error as Error).message}` });
        return false;
      }
    }
  }

  /** What opening found: a database the browser wiped, unfinished saves it cleaned up. */
  #announceOpened(store: CheckpointStore): void {
    for (const message of [store.dataLossMessage, store.initialSweep.message]) {
      if (message) this.#notice(message);
    }
  }

  /**
   * The connection closed under us. After an upgrade in another tab only a reload helps. If the
   * database was deleted or ended by the browser (site data cleared, storage evicted, a browser
   * crash), reopen it and say what is left: training goes on and saves again.
   */
  async #onClosed(reason: ClosedReason): Promise<void> {
    if (reason === 'upgrade') {
      this.#notice('Another tab opened a newer version of the playground, so this tab stopped saving checkpoints. Reload this tab to keep saving.');
      return;
    }
    await this.settle();
    if (!(await this.#openStore(REOPEN_ATTEMPTS))) return;
    const store = this.#store!;
    // 'terminated' need not mean the data is gone: say so only when it is.
    const emptied = (await store.listRuns()).length === 0;
    this.#notice(
      emptied
        ? 'The saved runs and checkpoints are gone: this site’s data was cleared, or the browser removed it to free space. ' +
            'The playground starts clean; the run on screen keeps going and saves again. To keep data, export checkpoints or use "Keep data on this device".'
        : 'The browser closed the checkpoint store and it has been reopened; saved checkpoints are unchanged, and saving goes on.',
    );
    this.#announceOpened(store);
    this.onStoreReopened();
    await this.publishLists();
  }

  /**
   * Saves captured state in the background: reading the clones, encoding, hashing and all
   * IndexedDB work happen here, off the training step path. Resolves with what was committed,
   * or with the error when the save failed (reported as `saveFailed`). A failure after the commit, such
   * as refreshing the lists, is reported as what it is: the save itself still succeeded.
   */
  save(captured: RunState, meta: CheckpointMeta, reason: string): Promise<SaveResult | Error> {
    const store = this.#store;
    if (!store) {
      for (const { tensor } of captured.tensors) tensor.dispose();
      return Promise.resolve(new Error('Checkpoints are unavailable in this browser session.'));
    }
    const saving = (async (): Promise<SaveResult | Error> => {
      let result: SaveResult;
      try {
        const input = await toCheckpointInput(captured, meta);
        const onProgress = (progress: SaveProgress) => this.#post({ type: 'saving', ...progress });
        result = await store.save(input, { onProgress });
      } catch (error) {
        this.#post({ type: 'saveFailed', message: (error as Error).message });
        return error instanceof Error ? error : new Error(String(error));
      }
      this.#post({ type: 'saved', checkpoint: result, reason });
      this.#announce(meta.runId);
      try {
        await this.publishLists();
      } catch (error) {
        this.#post({ type: 'error', message: `Step ${result.step} was saved, but the list of checkpoints could not be refreshed (${(error as Error).message}). Reload the page to see it.` });
      }
      return result;
    })();
    const tracked = saving.finally(() => {
      if (this.#saving === tracked) this.#saving = null;
    });
    this.#saving = tracked;
    return tracked;
  }

  /** Stores a checkpoint that arrived in a file, through the same temp → verify → commit path. */
  async saveImported(input: CheckpointInput): Promise<void> {
    await this.#requireStore().save(input);
    this.#announce(input.runId);
    await this.publishLists();
  }

  /** The id of the run's newest intact checkpoint, or null. */
  async latestId(runId: string): Promise<string | null> {
    const checkpoints = await this.#requireStore().list(runId);
    return checkpoints.find((c) => c.isLatest)?.id ?? null;
  }

  /** Waits for the save in flight, if any. */
  async settle(): Promise<void> {
    while (this.#saving) await this.#saving;
  }

  async loadLatest(runId: string): Promise<{ loaded: LoadedCheckpoint; message: string | null }> {
    const store = this.#requireStore();
    const result = await store.loadLatest(runId);
    if (!result) throw new Error('This run has no saved checkpoint to resume; train it and save first.');
    return { loaded: result, message: result.message };
  }

  async load(checkpointId: string): Promise<LoadedCheckpoint> {
    return this.#requireStore().load(checkpointId);
  }

  async removeCheckpoint(checkpointId: string, runId: string): Promise<void> {
    await this.#requireStore().remove(checkpointId);
    this.#announce(runId);
    await this.publishLists();
  }

  async removeRun(runId: string): Promise<void> {
    await this.#requireStore().removeRun(runId);
    this.#announce(runId);
    await this.publishLists();
  }

  async renameRun(runId: string, name: string): Promise<void> {
    await this.#requireStore().renameRun(runId, name);
    this.#announce(runId);
    await this.publishLists();
  }

  /** Sends the page every run (with its newest checkpoint) and the current run's checkpoints. */
  async publishLists(): Promise<void> {
    const store = this.#store;
    if (!store || store.closed) return;
    const runs: RunSummary[] = await store.listRuns();
    const listings: RunListing[] = await Promise.all(
      runs.map(async (run) => {
        const checkpoints = await store.list(run.id);
        return { run, latest: checkpoints.find((c) => c.id === run.latest) ?? null, checkpoints };
      }),
    );
    const current = listings.find((l) => l.run.id === this.currentRunId);
    const checkpoints: CheckpointSummary[] = current?.checkpoints ?? [];
    this.#post({ type: 'lists', runs: listings, currentRunId: this.currentRunId, checkpoints, usage: await store.usage() });
  }

  #announce(runId: string): void {
    this.#channel?.postMessage({ type: 'changed', runId } satisfies ChannelMessage);
  }

  #notice(message: string): void {
    this.#post({ type: 'notice', message });
  }

  #requireStore(): CheckpointStore {
    if (!this.#store) throw new Error('Checkpoints are unavailable in this browser session, so there is nothing to load.');
    return this.#store;
  }
}
