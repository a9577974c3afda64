import { TrainingDivergedError } from '../engine/errors.ts';
import { ReadbackPacer } from '../engine/readback-pacer.ts';
import type { TrainerLike } from '../engine/trainer-like.ts';
import { DEFAULT_AUTOSAVE_SECONDS, type SaveReason, type WorkerEvent } from './protocol.ts';
import { autosaveDue } from './autosave-policy.ts';

/** Test loss and pictures refresh at most this often while training. */
const EVALUATE_INTERVAL_MS = 400;
/**
 * ...and evaluation may take at most this share of the time: on a slow backend a full pass
 * over the 2,000 test digits costs more than the 400 ms interval, and would starve training.
 */
const EVALUATE_MAX_SHARE = 0.2;

/**
 * Lets queued messages (Pause, Save) and a background save's IndexedDB events in. A message
 * port, not setTimeout: nested timers are clamped to 4 ms each.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** How one round shares the worker's thread. */
export interface RoundControl {
  /**
   * Yield to the event loop after queueing steps for this long: a click on Save, and each
   * await of a save running in the background, then wait at most this long, not a round.
   */
  sliceMs: number;
  /** Checked at every yield: true ends the round there (a Pause or a Save is waiting). */
  endRound(): boolean;
}

/** While nothing else waits for the thread, slices this long cost well under 1% in yields. */
export const TRAINING_SLICE_MS = 12;
const UNINTERRUPTED: RoundControl = { sliceMs: TRAINING_SLICE_MS, endRound: () => false };

/**
 * One round of the step path: queue steps without reading anything back, until the pacer's
 * batch is full, `stopAt` (0 for none) is reached or `control` ends the round; read all their
 * losses in one transfer; let the pacer learn from the time it took. The benchmark times
 * this same function.
 */
export async function trainOneRound(
  trainer: TrainerLike,
  pacer: ReadbackPacer,
  stopAt: number,
  control: RoundControl = UNINTERRUPTED,
): Promise<{ losses: Float32Array; elapsedMs: number }> {
  const started = performance.now();
  const firstStep = trainer.step;
  let sliceStarted = started;
  while (trainer.pendingLossCount < pacer.stepsPerRead && !(stopAt > 0 && trainer.step >= stopAt)) {
    trainer.trainStep();
    // A fused GPU path queues steps faster than the GPU runs them; waiting for it here is
    // also a yield, so a Pause or a Save ends the round within one submit of steps.
    const backlog = trainer.gpuBacklog?.();
    if (!backlog && performance.now() - sliceStarted < control.sliceMs) continue;
    await (backlog ?? yieldToEventLoop());
    if (control.endRound()) break;
    sliceStarted = performance.now();
  }
  const losses = await trainer.readLosses();
  const elapsedMs = performance.now() - started;
  pacer.record(trainer.step - firstStep, elapsedMs);
  return { losses, elapsedMs };
}

/** What the loop needs from the session that owns the trainer and the run. */
export interface TrainingLoopHost {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  /** Evaluates the test set and posts the loss and pictures. */
  evaluate(): Promise<void>;
  /** Snapshots the state at this step boundary and saves it in the background. */
  saveAtBoundary(reason: SaveReason): Promise<void>;
  /** False once the device is lost or another tab took the run: then pausing does not save. */
  maySave(): boolean;
  /** True while a save's background write is still running. */
  saveInFlight(): boolean;
  reportError(error: unknown): void;
}

/** While a save writes in the background, yield this often so its awaits do not wait a round. */
const SAVING_SLICE_MS = 2;

/**
 * When the trainer steps, reads back, saves and evaluates. The session decides what is
 * trained; this decides when. Pause, Stop at and Save requests land here between steps.
 */
export class TrainingLoop {
  /** Pause once the trainer reaches this step; 0 means never. */
  stopAt = 0;
  /** Autosave at least this often while training, in ms; 0 turns autosave off. */
  autosaveMs = DEFAULT_AUTOSAVE_SECONDS * 1000;
  readonly #host: TrainingLoopHost;
  #running = false;
  /** The loop's promise from start() until its last save's snapshot is taken. */
  #loop: Promise<void> | null = null;
  /** A save to take at the next step boundary, and who waits for its snapshot. */
  #saveRequest: { reason: SaveReason; taken: (() => void)[] } | null = null;
  /** Changes to make at the next step boundary (a curve run's new points), in order. */
  #boundaryTasks: { task: () => void; settled: (error?: unknown) => void }[] = [];
  /** What the last save cost training: the time the step path waited for its snapshot. */
  #lastSaveCostMs = 0;
  /**
   * Time spent training and time spent taking save snapshots, since the loop was created.
   * Their ratio is the share of training time that saving costs (the bench's ui.autosaveShare);
   * a save's write runs in the background, overlapped with training.
   */
  readonly totals = { trainingMs: 0, savingMs: 0, saves: 0 };

  constructor(host: TrainingLoopHost) {
    this.#host = host;
  }

  /** True while training: false from the moment Pause is asked for. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * True from start() until the loop has ended, its last round read back and its pause
   * snapshot taken. Until then the trainer is the loop's: nothing else may step or snapshot it.
   */
  get active(): boolean {
    return this.#loop !== null;
  }

  start(trainer: TrainerLike): void {
    if (this.#loop) return;
    this.#running = true;
    this.#host.post({ type: 'state', running: true });
    const loop: Promise<void> = this.#train(trainer)
      .catch((error: unknown) => this.#host.reportError(error))
      .finally(() => {
        if (this.#loop === loop) this.#loop = null;
      });
    this.#loop = loop;
  }

  /** Pause: the loop ends at its next yield, and saves. */
  requestPause(): void {
    this.#running = false;
  }

  /** Pauses and waits until the loop has ended, with the pause's snapshot taken (its write goes on in the background). */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /**
   * Asks for a save at the loop's next step boundary; resolves once its snapshot is taken.
   * Only while `active`: otherwise there is no loop to take it, and the caller saves itself.
   */
  requestSave(reason: SaveReason): Promise<void> {
    if (!this.#loop) throw new Error('requestSave() needs a running loop; save directly while paused.');
    return new Promise<void>((resolve) => {
      const request = this.#saveRequest;
      // A manual save outranks an automatic one; either way one snapshot serves every waiter.
      if (request) {
        if (reason === 'manual') request.reason = reason;
        request.taken.push(resolve);
      } else {
        this.#saveRequest = { reason, taken: [resolve] };
      }
    });
  }

  /**
   * Runs `task` at the loop's next step boundary, where every step's loss has been read back,
   * and resolves (or rejects with its error) once it ran. Only while `active`: otherwise the
   * trainer is idle, and the caller runs the task itself.
   */
  atStepBoundary(task: () => void): Promise<void> {
    if (!this.#loop) throw new Error('atStepBoundary() needs a running loop; change the trainer directly while paused.');
    return new Promise<void>((resolve, reject) => this.#boundaryTasks.push({ task, settled: (error) => (error === undefined ? resolve() : reject(error)) }));
  }

  /** One step while paused: train, read the loss, evaluate. */
  async stepOnce(trainer: TrainerLike): Promise<void> {
    if (this.#loop) return;
    trainer.trainStep();
    const diverged = this.#postLosses(trainer, await trainer.readLosses(), 0);
    await this.#host.evaluate();
    if (diverged) this.#host.post({ type: 'state', running: false, message: diverged.message });
  }

  /**
   * 1. queue steps without reading anything back, yielding now and then, 2. read all their
   * losses in one transfer, 3. now and then evaluate and redraw, 4. take a requested or due
   * snapshot. Repeat until paused. Pausing saves a checkpoint.
   */
  async #train(trainer: TrainerLike): Promise<void> {
    const pacer = new ReadbackPacer();
    const host = this.#host;
    const control: RoundControl = {
      get sliceMs() {
        return host.saveInFlight() ? SAVING_SLICE_MS : TRAINING_SLICE_MS;
      },
      endRound: () => !this.#running || this.#saveRequest !== null || this.#boundaryTasks.length > 0,
    };
    let lastEvaluation = performance.now();
    let evaluationCost = 0;
    // Wall time, not training time: what a closed tab loses is everything since the last save.
    let lastSaveAt = performance.now();
    let message: string | undefined;
    let diverged: TrainingDivergedError | null = null;
    try {
      while (this.#running) {
        const { losses, elapsedMs } = await trainOneRound(trainer, pacer, this.stopAt, control);
        this.totals.trainingMs += elapsedMs;
        diverged = this.#postLosses(trainer, losses, pacer.stepsPerSec);
        this.#runBoundaryTasks();
        if (diverged) {
          message = diverged.message;
          this.#running = false;
          break;
        }
        if (this.#reachedStopAt(trainer)) {
          message = `Paused at step ${trainer.step}, as set in Stop at step.`;
          this.#running = false;
        }
        const due = autosaveDue(performance.now() - lastSaveAt, this.#lastSaveCostMs, this.autosaveMs);
        const saveNow = this.#running && (this.#saveRequest !== null || (due && !host.saveInFlight()));
        const evaluationGap = Math.max(EVALUATE_INTERVAL_MS, evaluationCost / EVALUATE_MAX_SHARE);
        if (!this.#running || performance.now() - lastEvaluation > evaluationGap) {
          const evaluationStarted = performance.now();
          await host.evaluate();
          lastEvaluation = performance.now();
          evaluationCost = lastEvaluation - evaluationStarted;
        }
        if (saveNow) {
          await this.#saveNow('autosave');
          lastSaveAt = performance.now();
        }
      }
    } finally {
      this.#running = false;
      // A change asked for as training stopped comes first, so the pause saves the run as changed.
      this.#runBoundaryTasks();
      host.post({ type: 'state', running: false, message });
    }
    // Every pause saves, unless the run diverged, lost its device or went to another tab. A
    // Save that arrives while that snapshot is taken is served here too, before the loop ends.
    if (!diverged && host.maySave()) await this.#saveNow('pause');
    while (this.#saveRequest) await this.#saveNow('pause');
    this.#runBoundaryTasks();
  }

  #runBoundaryTasks(): void {
    const tasks = this.#boundaryTasks;
    this.#boundaryTasks = [];
    for (const { task, settled } of tasks) {
      try {
        task();
        settled();
      } catch (error) {
        settled(error);
      }
    }
  }

  /** Takes the requested save (or one for `fallback`) at this step boundary and wakes its waiters. */
  async #saveNow(fallback: SaveReason): Promise<void> {
    const request = this.#saveRequest;
    this.#saveRequest = null;
    const started = performance.now();
    try {
      await this.#host.saveAtBoundary(request?.reason ?? fallback);
    } finally {
      this.#lastSaveCostMs = performance.now() - started;
      this.totals.savingMs += this.#lastSaveCostMs;
      this.totals.saves += 1;
      request?.taken.forEach((resolve) => resolve());
    }
  }

  #reachedStopAt(trainer: TrainerLike): boolean {
    return this.stopAt > 0 && trainer.step >= this.stopAt;
  }

  /** Posts losses just read, and reports the first non-finite one. */
  #postLosses(trainer: TrainerLike, losses: Float32Array, stepsPerSec: number): TrainingDivergedError | null {
    if (losses.length === 0) return null;
    const bad = losses.findIndex((loss) => !Number.isFinite(loss));
    const diverged = bad === -1 ? null : new TrainingDivergedError(trainer.step - losses.length + 1 + bad);
    this.#host.post({ type: 'progress', step: trainer.step, epoch: trainer.epoch, losses, learningRate: trainer.learningRate, stepsPerSec }, [losses.buffer]);
    return diverged;
  }
}
