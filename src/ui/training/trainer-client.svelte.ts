import { getContext, setContext } from 'svelte';
import type { TrainConfig } from '../../lib/engine/config.ts';
import type { BackendChoice, BackendName } from '../../lib/engine/backend-names.ts';
import type { Evaluation } from '../../lib/engine/trainer.ts';
import type { Picture, RunData, WorkerCommand, WorkerEvent } from '../../lib/worker/protocol.ts';
import { MNIST_ASSET_PATH } from '../../lib/datasets/mnist.ts';

/**
 * The page's only handle on the training worker: it sends commands and turns the worker's
 * events into reactive state for the panels.
 */
export class TrainerClient {
  #worker: Worker;
  #nextRequestId = 1;
  #predictions = new Map<number, (output: Float32Array) => void>();

  backend = $state<BackendChoice | null>(null);
  config = $state.raw<TrainConfig | null>(null);
  running = $state(false);
  step = $state(0);
  epoch = $state(0);
  /** Latest training loss at full float32 precision, or null before the first step. */
  loss = $state<number | null>(null);
  learningRate = $state(0);
  stepsPerSec = $state(0);
  paramCount = $state(0);
  /** Per-step training loss. Not deep-reactive: `historyVersion` ticks when it grows. */
  lossHistory: number[] = [];
  historyVersion = $state(0);
  evaluations = $state.raw<Evaluation[]>([]);
  /** Reactive length of lossHistory. */
  get historyLength(): number {
    void this.historyVersion;
    return this.lossHistory.length;
  }
  picture = $state.raw<Picture | null>(null);
  runData = $state.raw<RunData | null>(null);
  /** Why training stopped by itself (stop-at, divergence), shown until the next Train. */
  notice = $state<string | null>(null);
  error = $state<{ message: string; key?: string } | null>(null);
  stopAt = $state(0);

  constructor() {
    this.#worker = new Worker(new URL('../../lib/worker/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
    this.#worker.onmessage = (message: MessageEvent<WorkerEvent>) => this.#receive(message.data);
    this.#worker.onerror = (event) => {
      this.error = { message: `The training worker crashed (${event.message || 'no details'}). Reload the page; saved checkpoints are safe.` };
    };
  }

  /** Chooses the backend and sets up the first run. */
  start(config: TrainConfig, requestedBackend?: BackendName): void {
    const mnistUrl = new URL(MNIST_ASSET_PATH, document.baseURI).href;
    this.#send({ type: 'init', requestedBackend, mnistUrl });
    this.configure(config);
  }

  configure(config: TrainConfig): void {
    this.error = null;
    this.#send({ type: 'configure', config: $state.snapshot(config) as TrainConfig });
  }

  train(): void {
    this.notice = null;
    this.#send({ type: 'train' });
  }

  pause(): void {
    this.#send({ type: 'pause' });
  }

  toggle(): void {
    if (this.running) this.pause();
    else this.train();
  }

  stepOnce(): void {
    this.notice = null;
    this.#send({ type: 'step' });
  }

  reset(): void {
    this.notice = null;
    this.#send({ type: 'reset' });
  }

  setStopAt(step: number): void {
    this.stopAt = step;
    this.#send({ type: 'setStopAt', step });
  }

  /** Runs the current model on raw inputs (e.g. a drawn digit) without touching training. */
  predict(input: Float32Array): Promise<Float32Array> {
    const requestId = this.#nextRequestId++;
    return new Promise((resolve) => {
      this.#predictions.set(requestId, resolve);
      this.#send({ type: 'predict', requestId, input });
    });
  }

  dispose(): void {
    this.#worker.terminate();
  }

  #send(command: WorkerCommand): void {
    this.#worker.postMessage(command);
  }

  #receive(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        this.backend = event.backend;
        return;
      case 'run':
        this.config = event.config;
        this.step = event.step;
        this.lossHistory = Array.from(event.lossHistory);
        this.loss = this.lossHistory.at(-1) ?? null;
        this.evaluations = event.evaluations;
        this.runData = event.data;
        this.paramCount = event.paramCount;
        this.picture = null;
        this.historyVersion++;
        return;
      case 'configured':
        this.config = event.config;
        return;
      case 'progress':
        for (const loss of event.losses) this.lossHistory.push(loss);
        this.historyVersion++;
        this.step = event.step;
        this.epoch = event.epoch;
        this.loss = event.losses[event.losses.length - 1];
        this.learningRate = event.learningRate;
        if (event.stepsPerSec > 0) this.stepsPerSec = event.stepsPerSec;
        return;
      case 'evaluation': {
        const last = this.evaluations.at(-1);
        this.evaluations = last?.step === event.evaluation.step ? [...this.evaluations.slice(0, -1), event.evaluation] : [...this.evaluations, event.evaluation];
        this.picture = event.picture;
        return;
      }
      case 'state':
        this.running = event.running;
        if (event.message) this.notice = event.message;
        return;
      case 'error':
        this.error = { message: event.message, key: event.key };
        return;
      case 'prediction':
        this.#predictions.get(event.requestId)?.(event.output);
        this.#predictions.delete(event.requestId);
        return;
    }
  }
}

const KEY = Symbol('trainer-client');
export const setTrainerClient = (client: TrainerClient) => setContext(KEY, client);
export const useTrainerClient = () => getContext<TrainerClient>(KEY);
