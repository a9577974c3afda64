import { checkImportSizes, exportCheckpointZip, readCheckpointFiles } from '../share/checkpoint-file.ts';
import type { CheckpointSaver } from './checkpoint-saver.ts';
import type { CurrentRun } from './current-run.ts';
import type { Persistence } from './persistence.ts';
import type { RunOpener } from './run-opener.ts';
import type { WorkerEvent } from './protocol.ts';

/** What export and import need from the session. */
export interface RunFilesHost {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  /** Saves the current step at a boundary (through the training loop while it runs) and waits for the snapshot. */
  saveNow(): Promise<void>;
}

/** Checkpoints as files: Export downloads one as a .zip, Import checks a file completely before storing it. */
export class RunFiles {
  readonly #current: CurrentRun;
  readonly #persistence: Persistence;
  readonly #saver: CheckpointSaver;
  readonly #opener: RunOpener;
  readonly #host: RunFilesHost;

  constructor(current: CurrentRun, persistence: Persistence, saver: CheckpointSaver, opener: RunOpener, host: RunFilesHost) {
    this.#current = current;
    this.#persistence = persistence;
    this.#saver = saver;
    this.#opener = opener;
    this.#host = host;
  }

  /**
   * Downloads the checkpoint named, or else what is on screen: the current step is saved
   * first when no checkpoint holds it yet. If that save fails, or this tab only shows the run,
   * the newest stored checkpoint is exported and the page is told which step it holds and why.
   */
  async export(checkpointId: string | undefined): Promise<void> {
    let id = checkpointId ?? null;
    if (!id) {
      const trainer = this.#current.trainer;
      const run = this.#current.run;
      if (this.#saver.hasUnsavedSteps && this.#current.ownsRun) await this.#host.saveNow();
      await this.#saver.settle();
      id = run ? await this.#persistence.latestId(run.id) : null;
      if (!id) throw new Error('There is no checkpoint to export yet: train at least one step, then press Export again.');
      const loaded = await this.#persistence.load(id);
      if (trainer && loaded.manifest.step !== trainer.step) {
        const failure = this.#saver.lastFailure;
        const why = !this.#current.ownsRun
          ? 'This tab shows the run read-only, and the tab that trains it has not saved that step yet.'
          : `Saving step ${trainer.step} failed${failure ? `: ${failure.replace(/\.?$/, '.')}` : '.'}`;
        this.#host.post({ type: 'notice', message: `Exported step ${loaded.manifest.step}, the newest saved checkpoint, not step ${trainer.step} on screen. ${why}` });
      }
      return this.#download(loaded);
    }
    return this.#download(await this.#persistence.load(id));
  }

  /** Checks the files completely before anything is stored; then opens what they hold. */
  async import(files: File[]): Promise<void> {
    checkImportSizes(files.map((file) => ({ name: file.name, size: file.size })));
    const named = await Promise.all(files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
    const imported = await readCheckpointFiles(named);
    if (imported.kind === 'checkpoint') {
      await this.#persistence.saveImported(imported.input);
      await this.#opener.resume(imported.input.runId, undefined, false);
      const opened = `Imported "${imported.input.runName}" at step ${imported.input.step}; it is open now and can be resumed.`;
      // A damaged TensorFlow.js copy did not stop the import, but the user should know the file is not whole.
      this.#host.post({ type: 'notice', message: imported.notice ? `${opened} ${imported.notice}` : opened });
      return;
    }
    await this.#opener.startNew(imported.config, { weights: imported.weights, nameSuffix: '(from model.json)' });
    this.#host.post({ type: 'notice', message: `Imported ${imported.description} as the starting point of a new run at step 0.` });
  }

  async #download(loaded: Awaited<ReturnType<Persistence['load']>>): Promise<void> {
    const bytes = await exportCheckpointZip(loaded);
    const name = (loaded.manifest.runName ?? 'run').replace(/[^\w.-]+/g, '_');
    this.#host.post({ type: 'exported', fileName: `${name}-step-${loaded.manifest.step}.zip`, bytes }, [bytes.buffer]);
  }
}
