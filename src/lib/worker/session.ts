import * as tf from '@tensorflow/tfjs';
import { isLiveChange, parseConfig, type TrainConfig } from '../engine/config.ts';
import { chooseBackend } from '../engine/backend.ts';
import { TrainingDivergedError } from '../engine/errors.ts';
import { Trainer } from '../engine/trainer.ts';
import { buildDataset } from '../datasets/registry.ts';
import { decodeMnist, MNIST_PIXELS, type MnistImages } from '../datasets/mnist.ts';
import { paramCount } from '../models/spec.ts';
import { boundaryGridInputs, drawPicture, DIGIT_SAMPLES } from './pictures.ts';
import type { RunData, WorkerCommand, WorkerEvent } from './protocol.ts';

/** Aim for one loss readback per ~150 ms of training: often enough for a live chart. */
const READ_INTERVAL_MS = 150;
/** Never queue more steps than this between readbacks (bounds pause latency on slow GPUs). */
const MAX_STEPS_PER_READ = 64;
/** Test loss and pictures refresh at most this often while training. */
const EVALUATE_INTERVAL_MS = 400;

/** Lets queued messages (Pause, Stop at) in before the next batch of steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Owns the trainer inside the worker. Commands are handled one at a time, in order, except
 * pause and stop-at, which take effect at the next readback even while training runs.
 */
export class TrainingSession {
  #post: (event: WorkerEvent, transfer?: Transferable[]) => void;
  #queue: Promise<void> = Promise.resolve();
  #trainer: Trainer | null = null;
  #gridInputs: Float32Array | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  #stopAt = 0;
  #mnistUrl = '';
  #mnist: MnistImages | undefined;

  constructor(post: (event: WorkerEvent, transfer?: Transferable[]) => void) {
    this.#post = post;
  }

  handle(command: WorkerCommand): void {
    if (command.type === 'pause') {
      this.#running = false;
      return;
    }
    if (command.type === 'setStopAt') {
      this.#stopAt = command.step;
      return;
    }
    this.#queue = this.#queue.then(() => this.#run(command)).catch((error: unknown) => this.#reportError(error));
  }

  async #run(command: WorkerCommand): Promise<void> {
    switch (command.type) {
      case 'init': {
        this.#mnistUrl = command.mnistUrl;
        const backend = await chooseBackend(command.requestedBackend);
        this.#post({ type: 'ready', backend });
        return;
      }
      case 'configure': {
        const config = parseConfig(command.config);
        if (this.#trainer && isLiveChange(this.#trainer.config, config)) {
          this.#trainer.updateLiveSettings(config);
          this.#post({ type: 'configured', config });
          return;
        }
        return this.#configure(config);
      }
      case 'reset':
        if (this.#trainer) return this.#configure(this.#trainer.config);
        return;
      case 'train':
        this.#startLoop();
        return;
      case 'step':
        return this.#stepOnce();
      case 'predict': {
        if (!this.#trainer) return;
        const output = await this.#trainer.predict(command.input);
        this.#post({ type: 'prediction', requestId: command.requestId, output }, [output.buffer]);
        return;
      }
    }
  }

  async #stopLoop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #configure(config: TrainConfig): Promise<void> {
    await this.#stopLoop();
    if (config.demo === 'digits' && !this.#mnist) this.#mnist = await this.#loadMnist();
    const dataset = buildDataset(config, { mnist: this.#mnist });
    this.#trainer?.dispose();
    const trainer = Trainer.create(config, dataset);
    this.#trainer = trainer;
    this.#gridInputs = config.demo === 'classify2d' ? boundaryGridInputs(config) : null;
    await this.#warmUp(trainer);
    this.#post({
      type: 'run',
      config,
      step: trainer.step,
      lossHistory: Float32Array.from(trainer.lossHistory),
      evaluations: [...trainer.progress.evaluations],
      data: this.#runData(trainer),
      paramCount: paramCount(trainer.spec),
    });
    await this.#evaluate();
  }

  async #loadMnist(): Promise<MnistImages> {
    const response = await fetch(this.#mnistUrl);
    if (!response.ok) {
      throw new Error(`The handwritten digits could not be loaded (${response.status} for ${this.#mnistUrl}). Run \`npm run build:data\` and reload.`);
    }
    return decodeMnist(new Uint8Array(await response.arrayBuffer()));
  }

  /**
   * Compiles the step's shaders (WebGPU/WebGL) before the first timed step by running the
   * forward and backward pass once without applying it, so no training state changes.
   */
  async #warmUp(trainer: Trainer): Promise<void> {
    if (tf.getBackend() === 'cpu') return;
    await trainer.warmUp();
  }

  #runData(trainer: Trainer): RunData {
    const { dataset, config } = trainer;
    if (config.demo === 'digits') {
      const count = Math.min(DIGIT_SAMPLES, dataset.testY.length);
      return {
        samplePixels: Uint8Array.from(dataset.testX.subarray(0, count * MNIST_PIXELS), (v) => Math.round(v * 255)),
        sampleLabels: Uint8Array.from(dataset.testY.subarray(0, count)),
      };
    }
    return { trainPoints: dataset.trainPoints, trainLabels: dataset.trainY, testPoints: dataset.testPoints, testLabels: dataset.testY };
  }

  #startLoop(): void {
    if (this.#running || !this.#trainer) return;
    this.#running = true;
    this.#post({ type: 'state', running: true });
    this.#loop = this.#trainLoop(this.#trainer).catch((error: unknown) => this.#reportError(error));
  }

  /**
   * 1. queue steps without reading anything back, 2. read all their losses in one transfer,
   * 3. now and then evaluate and redraw, 4. yield so Pause can arrive. Repeat.
   */
  async #trainLoop(trainer: Trainer): Promise<void> {
    let stepsPerRead = 1;
    let stepsPerSec = 0;
    let lastEvaluation = performance.now();
    let message: string | undefined;
    try {
      while (this.#running) {
        const started = performance.now();
        const firstStep = trainer.step;
        while (trainer.pendingLossCount < stepsPerRead && !this.#reachedStopAt(trainer)) trainer.trainStep();
        const diverged = await this.#readLosses(trainer, stepsPerSec);
        const elapsed = performance.now() - started;
        if (trainer.step > firstStep) {
          stepsPerSec = ((trainer.step - firstStep) * 1000) / Math.max(elapsed, 1);
          // Adapt the batch of steps so a readback happens about every READ_INTERVAL_MS.
          stepsPerRead = Math.max(1, Math.min(MAX_STEPS_PER_READ, Math.round((stepsPerSec * READ_INTERVAL_MS) / 1000)));
        }
        if (diverged) {
          message = diverged.message;
          this.#running = false;
        } else if (this.#reachedStopAt(trainer)) {
          message = `Paused at step ${trainer.step}, as set in Stop at step.`;
          this.#running = false;
        }
        if (!this.#running || performance.now() - lastEvaluation > EVALUATE_INTERVAL_MS) {
          await this.#evaluate();
          lastEvaluation = performance.now();
        }
        await yieldToEventLoop();
      }
    } finally {
      this.#running = false;
      this.#post({ type: 'state', running: false, message });
    }
  }

  #reachedStopAt(trainer: Trainer): boolean {
    return this.#stopAt > 0 && trainer.step >= this.#stopAt;
  }

  async #stepOnce(): Promise<void> {
    const trainer = this.#trainer;
    if (!trainer || this.#running) return;
    trainer.trainStep();
    const diverged = await this.#readLosses(trainer, 0);
    await this.#evaluate();
    if (diverged) this.#post({ type: 'state', running: false, message: diverged.message });
  }

  /** Reads pending losses, posts them, and reports the first non-finite one. */
  async #readLosses(trainer: Trainer, stepsPerSec: number): Promise<TrainingDivergedError | null> {
    const losses = await trainer.readLosses();
    if (losses.length === 0) return null;
    const bad = losses.findIndex((loss) => !Number.isFinite(loss));
    const diverged = bad === -1 ? null : new TrainingDivergedError(trainer.step - losses.length + 1 + bad);
    this.#post({ type: 'progress', step: trainer.step, epoch: trainer.epoch, losses, learningRate: trainer.learningRate, stepsPerSec }, [losses.buffer]);
    return diverged;
  }

  async #evaluate(): Promise<void> {
    const trainer = this.#trainer;
    if (!trainer) return;
    const { evaluation, predicted } = await trainer.evaluate();
    const picture = await drawPicture(trainer, predicted, this.#gridInputs);
    this.#post({ type: 'evaluation', evaluation, picture });
  }

  #reportError(error: unknown): void {
    const key = (error as { key?: string }).key;
    this.#post({ type: 'error', message: error instanceof Error ? error.message : String(error), ...(key ? { key } : {}) });
  }
}
