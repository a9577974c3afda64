import type { TrainerLike } from '../engine/trainer-like.ts';
import type { RunLock } from './run-lock.ts';

/** The run the trainer belongs to. */
export interface RunIdentity {
  id: string;
  name: string;
  /** Null while another tab holds the run: then this tab only shows it. */
  lock: RunLock | null;
}

/**
 * The trainer on screen and the run it belongs to. Replacing them is the only way the run
 * changes, so the previous run's trainer is always disposed and its lock always released.
 */
export class CurrentRun {
  #trainer: TrainerLike | null = null;
  #run: RunIdentity | null = null;
  /** step − lossHistory.length at install: a run imported without a history starts with a gap. */
  #historyGap = 0;

  get trainer(): TrainerLike | null {
    return this.#trainer;
  }

  get run(): RunIdentity | null {
    return this.#run;
  }

  /** True when this tab holds the run's lock and may train and save it. */
  get ownsRun(): boolean {
    return this.#run?.lock != null;
  }

  /** Replaces the trainer and run; releases the previous run's lock unless it is the same run. */
  install(trainer: TrainerLike, run: RunIdentity): void {
    this.#trainer?.dispose();
    if (this.#run?.lock && this.#run.id !== run.id) this.#run.lock.release();
    this.#trainer = trainer;
    this.#run = run;
    this.#historyGap = trainer.step - trainer.lossHistory.length;
  }

  /** Why this tab may not train or save the run on screen, as the page's notice; null when it may. */
  refusal(deviceLost: boolean): string | null {
    if (deviceLost) return 'The GPU device was lost; resume on the fallback backend to keep training.';
    if (this.#run && !this.ownsRun) return 'This run is being trained in another tab. Take it over to train it here.';
    return null;
  }

  /** Another tab took the run over: keep showing it, without the lock. */
  loseLock(): void {
    if (this.#run) this.#run.lock = null;
  }

  /**
   * True at a step boundary where the step counter and the loss history agree: every step the
   * trainer has taken has its loss read back. Only there may a snapshot be taken.
   */
  get atStepBoundary(): boolean {
    const trainer = this.#trainer;
    return trainer !== null && trainer.pendingLossCount === 0 && trainer.lossHistory.length + this.#historyGap === trainer.step;
  }
}
