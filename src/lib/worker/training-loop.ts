import { TrainingDivergedError } from '../engine/errors.ts';
import { ReadbackPacer } from '../engine/readback-pacer.ts';
import type { Trainer } from '../engine/trainer.ts';
import { DEFAULT_AUTOSAVE_SECONDS, type SaveReason, type WorkerEvent } from './protocol.ts';

/** Test loss and pictures refresh at most this often while training. */
const EVALUATE_INTERVAL_MS = 400;
/**
 * ...and evaluation may take at most this share of the time: on a slow backend a full pass
 * over the 2,000 test digits costs more than the 400 ms interval, and would starve training.
 */
const EVALUATE_MAX_SHARE = 0.2;

/** Lets queued messages (Pause, Save) in before the next batch of steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * One round of the step path: queue steps without reading anything back, until the pacer's
 * batch is full or `stopAt` (0 for none) is reached; read all their losses in one transfer;
 * let the pacer learn from the time it took. The benchmark times this same function.
 */
export async function trainOneRound(trainer: Trainer, pacer: ReadbackPacer, stopAt: number): Promise<{ losses: Float32Array; elapsedMs: number }> {
  const started = performance.now();
  const firstStep = trainer.step;
  while (trainer.pendingLossCount < pacer.stepsPerRead && !(stopAt > 0 && trainer.step >= stopAt)) trainer.trainStep();
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
  reportError(error: unknown): void;
}

/**
 * When the trainer steps, reads back, saves and evaluates. The session decides what is
 * trained; this decides when. Pause, Stop at and Save requests land here between steps.
 */
export class TrainingLoop {
  /** Pause once the trainer reaches this step; 0 means never. */
  stopAt = 0;
  /** Autosave after this much training time, in ms; 0 turns autosave off. */
  autosaveMs = DEFAULT_AUTOSAVE_SECONDS * 1000;
  readonly #host: TrainingLoopHost;
  #running = false;
  #loop: Promise<void> | null = null;
  /** A save to take at the next step boundary. */
  #saveRequest: SaveReason | null = null;

  constructor(host: TrainingLoopHost) {
    this.#host = host;
  }

  get running(): boolean {
    return this.#running;
  }

  start(trainer: Trainer): void {
    if (this.#running) return;
    this.#running = true;
    this.#host.post({ type: 'state', running: true });
    this.#loop = this.#train(trainer).catch((error: unknown) => this.#host.reportError(error));
  }

  /** Pause: the loop ends after its current batch of steps, and saves. */
  requestPause(): void {
    this.#running = false;
  }

  /** Pauses and waits until the loop has ended, with the pause's snapshot taken (its write goes on in the background). */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** Asks for a save at the next step boundary. */
  requestSave(reason: SaveReason): void {
    this.#saveRequest = reason;
  }

  /** One step while paused: train, read the loss, evaluate. */
  async stepOnce(trainer: Trainer): Promise<void> {
    if (this.#running) return;
    trainer.trainStep();
    const diverged = this.#postLosses(trainer, await trainer.readLosses(), 0);
    await this.#host.evaluate();
    if (diverged) this.#host.post({ type: 'state', running: false, message: diverged.message });
  }

  /**
   * 1. queue steps without reading anything back, 2. read all their losses in one transfer,
   * 3. take a requested or due snapshot, 4. now and then evaluate and redraw, 5. yield so
   * Pause can arrive. Repeat. Pausing saves a checkpoint.
   */
  async #train(trainer: Trainer): Promise<void> {
    const pacer = new ReadbackPacer();
    let lastEvaluation = performance.now();
    let evaluationCost = 0;
    let trainedSinceSaveMs = 0;
    let message: string | undefined;
    let diverged: TrainingDivergedError | null = null;
    try {
      while (this.#running) {
        const { losses, elapsedMs } = await trainOneRound(trainer, pacer, this.stopAt);
        trainedSinceSaveMs += elapsedMs;
        diverged = this.#postLosses(trainer, losses, pacer.stepsPerSec);
        if (diverged) {
          message = diverged.message;
          this.#running = false;
          break;
        }
        if (this.#reachedStopAt(trainer)) {
          message = `Paused at step ${trainer.step}, as set in Stop at step.`;
          this.#running = false;
        }
        const due = this.autosaveMs > 0 && trainedSinceSaveMs >= this.autosaveMs;
        if (this.#running && (this.#saveRequest || due)) {
          await this.#host.saveAtBoundary(this.#takeSaveRequest() ?? 'autosave');
          trainedSinceSaveMs = 0;
        }
        const evaluationGap = Math.max(EVALUATE_INTERVAL_MS, evaluationCost / EVALUATE_MAX_SHARE);
        if (!this.#running || performance.now() - lastEvaluation > evaluationGap) {
          const evaluationStarted = performance.now();
          await this.#host.evaluate();
          lastEvaluation = performance.now();
          evaluationCost = lastEvaluation - evaluationStarted;
        }
        await yieldToEventLoop();
      }
    } finally {
      this.#running = false;
      this.#host.post({ type: 'state', running: false, message });
    }
    // Every pause saves, unless the run diverged, lost its device or went to another tab.
    const reason = this.#takeSaveRequest() ?? 'pause';
    if (!diverged && this.#host.maySave()) await this.#host.saveAtBoundary(reason);
  }

  #takeSaveRequest(): SaveReason | null {
    const reason = this.#saveRequest;
    this.#saveRequest = null;
    return reason;
  }

  #reachedStopAt(trainer: Trainer): boolean {
    return this.stopAt > 0 && trainer.step >= this.stopAt;
  }

  /** Posts losses just read, and reports the first non-finite one. */
  #postLosses(trainer: Trainer, losses: Float32Array, stepsPerSec: number): TrainingDivergedError | null {
    if (losses.length === 0) return null;
    const bad = losses.findIndex((loss) => !Number.isFinite(loss));
    const diverged = bad === -1 ? null : new TrainingDivergedError(trainer.step - losses.length + 1 + bad);
    this.#host.post({ type: 'progress', step: trainer.step, epoch: trainer.epoch, losses, learningRate: trainer.learningRate, stepsPerSec }, [losses.buffer]);
    return diverged;
  }
}
