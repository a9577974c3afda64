import type { BackendName } from '../engine/backend-names.ts';
import type { SaveResult } from '../checkpoint/types.ts';
import type { CurrentRun } from './current-run.ts';
import type { Persistence } from './persistence.ts';
import type { SaveReason, WorkerEvent } from './protocol.ts';

/** What the saver needs from the session besides the run and the store. */
export interface SaverHost {
  post(event: WorkerEvent): void;
  /** The backend training runs on; null until the worker is initialised. */
  backendName(): BackendName | null;
  /** False once the GPU device is lost: the state on the device can no longer be trusted. */
  maySave(): boolean;
}

/**
 * The save path, in one place: snapshot the current run at a step boundary, save it in the
 * background, and remember which step is committed. A step counts as saved only once its
 * commit succeeded, so after a failed save (a full disk, say) the next Pause, autosave or
 * Export saves that step again.
 */
export class CheckpointSaver {
  readonly #current: CurrentRun;
  readonly #persistence: Persistence;
  readonly #host: SaverHost;
  /** Step of the newest checkpoint committed for the current run; -1 when none is known. */
  #committedStep = -1;
  /** The step being written in the background, if any. */
  #inFlightStep: number | null = null;
  /** Why the last save of this run failed, for Export to explain an older checkpoint. */
  #lastFailure: string | null = null;
  /** Counts changes of the run's config within its life (new curve points); see configChanged(). */
  #configVersion = 0;

  constructor(current: CurrentRun, persistence: Persistence, host: SaverHost) {
    this.#current = current;
    this.#persistence = persistence;
    this.#host = host;
  }

  /** A run was installed at `step`: a restored one is saved there already, a fresh one has nothing to save. */
  runInstalled(step: number): void {
    this.#committedStep = step;
    this.#lastFailure = null;
  }

  /**
   * The run's config changed in place at this step (a curve run's new points): neither the
   * committed checkpoint of this step nor a save still in flight holds it, so the next Pause,
   * autosave or hidden-tab save writes this step again, with the new config.
   */
  configChanged(): void {
    this.#configVersion += 1;
    this.#committedStep = -1;
  }

  /** The store was reopened and what it held may be gone: the next boundary saves again, even at the same step. */
  forgetCommitted(): void {
    this.#committedStep = -1;
  }

  get lastFailure(): string | null {
    return this.#lastFailure;
  }

  get inFlight(): boolean {
    return this.#inFlightStep !== null;
  }

  /** True when the step on screen is not yet in a committed checkpoint. */
  get hasUnsavedSteps(): boolean {
    const trainer = this.#current.trainer;
    return trainer !== null && trainer.step > 0 && trainer.step !== this.#committedStep;
  }

  /**
   * Snapshots the state at this step boundary and saves it in the background. The only work
   * on the step path is the test loss (if stale; not for an autosave) and cloning the tensors. The
   * caller makes sure no step runs in between (the training loop calls this between rounds;
   * the session only while the loop is idle).
   */
  async saveAtBoundary(reason: SaveReason): Promise<void> {
    const trainer = this.#current.trainer;
    const run = this.#current.run;
    const backend = this.#host.backendName();
    if (!trainer || !run?.lock || !backend || !this.#host.maySave() || !this.#persistence.store) return;
    if (trainer.step === 0) {
      if (reason === 'manual') this.#host.post({ type: 'notice', message: 'There is nothing to save yet: train at least one step first.' });
      return;
    }
    // One save at a time. An autosave that finds one in flight is skipped; anything else
    // waits for it, and then saves only if it did not commit this very step.
    if (this.#inFlightStep !== null) {
      if (reason === 'autosave') return;
      await this.#persistence.settle();
    }
    if (reason !== 'manual' && trainer.step === this.#committedStep) return;
    // A diverged run's weights are NaN: a checkpoint of them would only offer a broken resume.
    const lastLoss = trainer.lossHistory.at(-1);
    if (lastLoss !== undefined && !Number.isFinite(lastLoss)) {
      if (reason === 'manual') {
        this.#host.post({ type: 'notice', message: `Nothing was saved: the loss is NaN or infinite at step ${trainer.step}, so these weights cannot train on. Reset, or restore an earlier checkpoint.` });
      }
      return;
    }
    if (!this.#current.atStepBoundary) {
      throw new Error(`A checkpoint was requested at step ${trainer.step} while some of its steps' losses were still being read; nothing was saved. This is a bug in the playground.`);
    }
    // The checkpoint records the test loss of its step ("best" ranks by it). The loss alone:
    // redrawing the pictures would make a Save wait for a forward pass over a whole grid. An
    // autosave keeps the training loop's latest evaluation, at most a few hundred ms old: on
    // the digits a fresh one (2,000 test digits) cost more than the snapshot itself, and the
    // autosave interval grows with that cost, so a closed tab lost 4-5 s instead of about 2.
    const stale = trainer.progress.evaluations.at(-1)?.step !== trainer.step;
    if (stale && (reason !== 'autosave' || trainer.progress.evaluations.length === 0)) await trainer.evaluate();
    const captured = await trainer.captureState();
    const step = trainer.step;
    const version = this.#configVersion;
    this.#inFlightStep = step;
    void this.#persistence.save(captured, { runId: run.id, runName: run.name, config: trainer.config, backend }, reason).then((result) => this.#finished(run.id, step, version, result));
  }

  /** Waits for the save in flight, if any. */
  settle(): Promise<void> {
    return this.#persistence.settle();
  }

  #finished(runId: string, step: number, version: number, result: SaveResult | Error): void {
    this.#inFlightStep = null;
    // The run may have changed while this save was written; its steps are not ours then. Nor
    // is a step saved with the config it had before an in-place change.
    if (this.#current.run?.id !== runId || version !== this.#configVersion) return;
    if (result instanceof Error) {
      this.#lastFailure = result.message;
    } else {
      this.#committedStep = step;
      this.#lastFailure = null;
    }
  }
}
