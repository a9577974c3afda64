import { getContext, setContext } from 'svelte';
import { continuesRun, type TrainConfig } from '../../lib/engine/config.ts';
import type { BackendChoice, BackendName, KernelChoice, TrainingPlacement } from '../../lib/engine/backend-names.ts';
import type { Evaluation } from '../../lib/engine/trainer.ts';
import type { CheckpointSummary, SaveProgress, UsageReport } from '../../lib/checkpoint/types.ts';
import { DEFAULT_AUTOSAVE_SECONDS, type ComparedRun, type OwnData, type Picture, type PostedCommand, type RunData, type RunListing, type SaveReason, type WorkerCommand, type WorkerEvent } from '../../lib/worker/protocol.ts';
import { MNIST_ASSET_PATH } from '../../lib/datasets/mnist.ts';
import { TAB_RUN_KEY } from '../checkpoints/resume-offer.ts';
import { sameTable } from '../../lib/datasets/csv-table.ts';

/** A sample the text demo's model wrote, as the worker sent it. */
export type TextSampleEvent = Extract<WorkerEvent, { type: 'sample' }>;

/** What the page knows about checkpointing right now, for the status line. */
export type SaveStatus =
  | { kind: 'idle' }
  | ({ kind: 'saving' } & SaveProgress)
  | { kind: 'saved'; step: number; at: number; reason: string }
  | { kind: 'failed'; message: string };

/** The controls whose commands can be in flight; at most one of each is. `change`: a change that continues the run. */
export type ControlCommand = 'toggle' | 'step' | 'reset' | 'save' | 'run' | 'change';

/**
 * The page's only handle on the training worker: it sends commands and turns the worker's
 * events into reactive state for the panels. What it shows is what the worker last reported;
 * a command is sent only when it makes sense in that state, and a control whose command is
 * still in flight sends nothing more: Train/Pause clicks only change what the user wants,
 * and the client sends what gets there once the command in flight is done.
 */
export class TrainerClient {
  #worker!: Worker;
  #nextRequestId = 1;
  #nextSeq = 1;
  #predictions = new Map<number, (output: Float32Array) => void>();
  #whenDone = new Map<number, () => void>();
  #inFlight: Record<ControlCommand, number> = { toggle: 0, step: 0, reset: 0, save: 0, run: 0, change: 0 };
  #mnistUrl = '';
  /**
   * The newest change that continues the run, held back while another is in flight: dragging
   * a curve point makes dozens a second, and the worker applies one per readback round, so
   * only the latest is sent when the one in flight is done.
   */
  #heldChange: TrainConfig | null = null;

  /** Commands in flight, by control: their buttons show it and send nothing more. */
  pending = $state<Record<ControlCommand, boolean>>({ toggle: false, step: false, reset: false, save: false, run: false, change: false });
  /** Whether the user wants training to run; `running` is what the worker last said. */
  wantsRunning = $state(false);
  /** The run this tab had last saved before the page (re)loaded, for the Resume offer. */
  readonly tabRunIdAtLoad: string | null = readTabRun();
  /** What the worker waits for before the run can train ("Compiling GPU shaders…"), or null. */
  loading = $state<{ message: string; progress?: number } | null>({ message: 'Starting the training worker…' });

  backend = $state<BackendChoice | null>(null);
  /** How the run on screen trains: its backend, fused kernels or TensorFlow.js ops, and why. */
  training = $state.raw<TrainingPlacement | null>(null);
  #kernels: KernelChoice | undefined;
  config = $state.raw<TrainConfig | null>(null);
  runId = $state<string | null>(null);
  runName = $state('');
  /** Another tab trains this run; the controls are off until the user takes it over. */
  readOnly = $state(false);
  readOnlyMessage = $state<string | null>(null);
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
  picture = $state.raw<Picture | null>(null);
  runData = $state.raw<RunData | null>(null);
  /** Every stored run, for the resume offer and the storage manager. */
  runs = $state.raw<RunListing[]>([]);
  /** The current run's checkpoints, newest first. */
  checkpoints = $state.raw<CheckpointSummary[]>([]);
  usage = $state.raw<UsageReport | null>(null);
  /** True once the first list of stored runs arrived (the resume offer waits for it). */
  listsLoaded = $state(false);
  saveStatus = $state.raw<SaveStatus>({ kind: 'idle' });
  autosaveSeconds = $state(DEFAULT_AUTOSAVE_SECONDS);
  deviceLostMessage = $state<string | null>(null);
  /** Why training stopped by itself, or what happened in storage; shown until replaced. */
  notice = $state<string | null>(null);
  error = $state<{ message: string; key?: string } | null>(null);
  stopAt = $state(0);
  /** The text demo's newest samples, newest first; each says the step it came from. */
  samples = $state.raw<TextSampleEvent[]>([]);
  /** The text or CSV table of one's own for the next run (validated by the form); never in a link. */
  #own: OwnData = {};
  /** Stored runs as the last Compare read them from their checkpoints; null when none is shown. */
  comparison = $state.raw<ComparedRun[] | null>(null);

  /** Reactive length of lossHistory. */
  get historyLength(): number {
    void this.historyVersion;
    return this.lossHistory.length;
  }

  /** Chooses the backend and sets up the first run. */
  start(config: TrainConfig, requestedBackend?: BackendName, kernels?: KernelChoice): void {
    this.#mnistUrl = new URL(MNIST_ASSET_PATH, document.baseURI).href;
    this.#kernels = kernels;
    this.#spawn({ type: 'init', requestedBackend, mnistUrl: this.#mnistUrl, kernels });
    this.configure(config);
  }

  /** True while a new run is being set up: the controls wait for it. */
  get settingUp(): boolean {
    return this.pending.run || this.pending.reset || this.config === null;
  }

  configure(config: TrainConfig, own: OwnData = this.#own): void {
    this.error = null;
    const next = $state.snapshot(config) as TrainConfig;
    const ownChanged = (next.dataset === 'custom' && own.customText !== this.#own.customText) || (next.dataset === 'csv' && !sameOwnTable(own, this.#own));
    this.#own = own;
    // A change the run cannot take live starts a new run: from now on the readouts, chart
    // and pictures belong to it, not to the run being replaced. A live change (the learning
    // rate, say, or a curve's points) applies from the worker's next step; `configured` confirms it.
    const newRun = !this.config || ownChanged || !continuesRun(this.config, next);
    if (newRun) {
      this.#heldChange = null;
      this.#clearRun(next);
      this.#send({ type: 'configure', config: next, ...ownDataFor(next, own) }, 'run');
      return;
    }
    this.config = next;
    if (this.pending.change) this.#heldChange = next;
    else this.#sendChange(next);
  }

  #sendChange(config: TrainConfig): void {
    // The run's own data goes along: the worker starts a new run for a different text or table.
    this.#send({ type: 'configure', config, ...ownDataFor(config, this.#own) }, 'change', () => {
      const held = this.#heldChange;
      this.#heldChange = null;
      if (held) this.#sendChange(held);
    });
  }

  /** What the text demo's samples continue and how boldly; a new sample follows. */
  setSampling(prompt: string, temperature: number): void {
    this.#send({ type: 'setSampling', prompt, temperature });
  }

  /** Characters trained per second in the text demo; 0 elsewhere or before the first steps. */
  get tokensPerSec(): number {
    return this.stepsPerSec * (this.runData?.text?.tokensPerStep ?? 0);
  }

  /**
   * Sets up a fresh run of `config` even when it differs from the run on screen only in live
   * settings (which `configure` would change in place): the change goes to the paused run,
   * and Reset then starts a new run from it, so the run on screen keeps its saved checkpoints.
   */
  setUpRun(config: TrainConfig): void {
    const inPlace = this.config !== null && continuesRun(this.config, config);
    this.configure(config);
    if (inPlace) this.reset();
  }

  /** Asks the worker for the stored runs' histories; `comparison` holds the answer. */
  compare(runIds: string[]): void {
    this.error = null;
    this.#send({ type: 'compare', runIds });
  }

  closeComparison(): void {
    this.comparison = null;
  }

  train(): void {
    this.wantsRunning = true;
    this.#syncRunning();
  }

  pause(): void {
    this.wantsRunning = false;
    this.#syncRunning();
  }

  /** Train or Pause, by what the user last asked for; clicks while one is in flight collapse. */
  toggle(): void {
    if (this.pending.toggle ? this.wantsRunning : this.running) this.pause();
    else this.train();
  }

  stepOnce(): void {
    if (this.pending.step || this.running || this.pending.toggle || this.settingUp) return;
    this.notice = null;
    this.#send({ type: 'step' }, 'step');
  }

  reset(): void {
    if (this.pending.reset) return;
    this.notice = null;
    this.wantsRunning = false;
    if (this.config) this.#clearRun(this.config);
    this.#send({ type: 'reset' }, 'reset');
  }

  setStopAt(step: number): void {
    this.stopAt = step;
    this.#send({ type: 'setStopAt', step });
  }

  save(reason: SaveReason = 'manual'): void {
    // A save in flight already covers a second click; a hidden tab's save always goes.
    if (reason === 'manual' && this.pending.save) return;
    this.#send({ type: 'save', reason }, reason === 'manual' ? 'save' : undefined);
  }

  setAutosave(seconds: number): void {
    this.autosaveSeconds = seconds;
    this.#send({ type: 'setAutosave', seconds });
  }

  resume(runId: string, checkpointId?: string): void {
    this.error = null;
    this.wantsRunning = false;
    this.#send({ type: 'resume', runId, checkpointId }, 'run');
  }

  takeOver(): void {
    if (this.runId) this.#send({ type: 'resume', runId: this.runId, takeOver: true }, 'run');
  }

  deleteCheckpoint(checkpointId: string, runId: string): void {
    this.#send({ type: 'deleteCheckpoint', checkpointId, runId });
  }

  deleteRun(runId: string): void {
    this.#send({ type: 'deleteRun', runId });
  }

  renameRun(runId: string, name: string): void {
    this.#send({ type: 'renameRun', runId, name });
  }

  /**
   * After a lost GPU device: a fresh worker on WebGL (or the CPU, if WebGL is missing too)
   * continues the run from its newest checkpoint.
   */
  resumeOnFallback(): void {
    const runId = this.runId;
    this.#worker.terminate();
    this.deviceLostMessage = null;
    this.running = false;
    this.wantsRunning = false;
    this.#whenDone.clear();
    this.pending = { toggle: false, step: false, reset: false, save: false, run: false, change: false };
    this.#inFlight = { toggle: 0, step: 0, reset: 0, save: 0, run: 0, change: 0 };
    this.#heldChange = null;
    this.#spawn({
      type: 'init',
      requestedBackend: 'webgl',
      requestedBecause: 'The WebGPU device was lost earlier in this session, so WebGPU was not tried again',
      mnistUrl: this.#mnistUrl,
      kernels: this.#kernels,
    });
    if (runId && this.runs.some((r) => r.run.id === runId && r.latest)) this.resume(runId);
    else if (this.config) this.configure(this.config);
  }

  /** Downloads a checkpoint as a .zip: the one given, or the current run's newest. */
  exportCheckpoint(checkpointId?: string): void {
    this.#send({ type: 'export', checkpointId });
  }

  /** Hands picked or dropped files to the worker, which checks them fully before storing anything. */
  importFiles(files: File[]): void {
    if (files.length === 0) return;
    this.error = null;
    this.#send({ type: 'import', files });
  }

  /** Runs the current model on raw inputs (e.g. a drawn digit) without touching training. */
  predict(input: Float32Array): Promise<Float32Array> {
    const requestId = this.#nextRequestId++;
    return new Promise((resolve) => {
      this.#predictions.set(requestId, resolve);
      this.#send({ type: 'predict', requestId, input });
    });
  }

  /** Testing aid: makes the worker destroy its WebGPU device, as a driver reset would. */
  simulateDeviceLoss(): void {
    this.#send({ type: 'simulateDeviceLoss' });
  }

  dispose(): void {
    this.#worker.terminate();
  }

  #spawn(init: WorkerCommand): void {
    this.#worker = new Worker(new URL('../../lib/worker/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
    this.#worker.onmessage = (message: MessageEvent<WorkerEvent>) => this.#receive(message.data);
    this.#worker.onerror = (event) => {
      this.error = { message: `The training worker crashed (${event.message || 'no details'}). Reload the page; saved checkpoints are safe.` };
    };
    this.#send(init);
    this.#send({ type: 'setAutosave', seconds: this.autosaveSeconds });
    this.#send({ type: 'setStopAt', step: this.stopAt });
  }

  /** Posts a command; with `control`, marks it pending until the worker says it is done. */
  #send(command: WorkerCommand, control?: ControlCommand, then?: () => void): void {
    if (!control) {
      this.#worker.postMessage(command);
      return;
    }
    const seq = this.#nextSeq++;
    // Several commands of one control can be in flight (settings that each start a new run):
    // the control is pending until the last of them is done.
    this.#inFlight[control] += 1;
    this.pending[control] = true;
    this.#whenDone.set(seq, () => {
      this.#inFlight[control] -= 1;
      this.pending[control] = this.#inFlight[control] > 0;
      then?.();
    });
    this.#worker.postMessage({ ...command, seq } satisfies PostedCommand);
  }

  /** Sends Train or Pause when what the user wants differs from what the worker reported. */
  #syncRunning(): void {
    if (this.pending.toggle || this.wantsRunning === this.running) return;
    if (this.wantsRunning && (this.settingUp || this.readOnly)) {
      this.wantsRunning = false;
      return;
    }
    if (this.wantsRunning) this.notice = null;
    this.#send({ type: this.wantsRunning ? 'train' : 'pause' }, 'toggle', () => this.#syncRunning());
  }

  /** Forgets the run on screen as a new one of `config` is set up. */
  #clearRun(config: TrainConfig): void {
    this.config = config;
    this.step = 0;
    this.epoch = 0;
    this.loss = null;
    this.lossHistory = [];
    this.historyVersion++;
    this.evaluations = [];
    this.picture = null;
    this.runData = null;
    this.samples = [];
    this.stepsPerSec = 0;
    this.learningRate = config.learningRate;
    this.checkpoints = [];
    this.saveStatus = { kind: 'idle' };
  }

  #receive(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        this.backend = event.backend;
        return;
      case 'run':
        this.wantsRunning = false;
        this.runId = event.runId;
        this.runName = event.runName;
        this.readOnly = event.readOnly;
        if (!event.readOnly) this.readOnlyMessage = null;
        this.config = event.config;
        this.step = event.step;
        this.epoch = event.epoch;
        this.lossHistory = Array.from(event.lossHistory);
        this.loss = this.lossHistory.at(-1) ?? null;
        this.evaluations = event.evaluations;
        this.runData = event.data;
        if (event.data.text?.customText !== undefined) this.#own = { ...this.#own, customText: event.data.text.customText };
        if (event.data.csv) this.#own = { ...this.#own, csv: event.data.csv.table };
        this.samples = [];
        this.paramCount = event.paramCount;
        this.training = event.training;
        this.picture = null;
        this.saveStatus = { kind: 'idle' };
        this.historyVersion++;
        return;
      case 'configured':
        // A newer change held back is what the page shows; this one is on its way to it.
        if (!this.#heldChange) this.config = event.config;
        if (event.data) this.runData = event.data;
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
        // Training stopped by itself (Stop at, a diverged loss; such a stop has a message): that
        // is what the user gets, even if their Train is still in flight.
        if (!event.running && (event.message !== undefined || !this.pending.toggle)) this.wantsRunning = false;
        if (event.message) this.notice = event.message;
        return;
      case 'done': {
        const whenDone = this.#whenDone.get(event.seq);
        this.#whenDone.delete(event.seq);
        whenDone?.();
        return;
      }
      case 'loading':
        this.loading = event.message === null ? null : { message: event.message, progress: event.progress };
        return;
      case 'saving': {
        const { type: _, ...progress } = event;
        this.saveStatus = { kind: 'saving', ...progress };
        return;
      }
      case 'saved':
        this.saveStatus = { kind: 'saved', step: event.checkpoint.step, at: event.checkpoint.createdAt, reason: event.reason };
        writeTabRun(event.checkpoint.runId);
        return;
      case 'saveFailed':
        this.saveStatus = { kind: 'failed', message: event.message };
        return;
      case 'lists':
        this.runs = event.runs;
        this.checkpoints = event.currentRunId === this.runId ? event.checkpoints : this.checkpoints;
        this.usage = event.usage;
        this.listsLoaded = true;
        return;
      case 'runLocked':
        if (event.runId === this.runId) {
          this.readOnly = true;
          this.running = false;
          this.wantsRunning = false;
          this.readOnlyMessage = event.message;
        }
        return;
      case 'deviceLost':
        this.running = false;
        this.wantsRunning = false;
        this.deviceLostMessage = event.message;
        return;
      case 'notice':
        this.notice = event.message;
        return;
      case 'error':
        this.error = { message: event.message, key: event.key };
        // Whatever was loading failed; the error says what, and nothing is waiting any more.
        this.loading = null;
        return;
      case 'exported': {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([event.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
        link.download = event.fileName;
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
        return;
      }
      case 'sample':
        this.samples = [event, ...this.samples].slice(0, 6);
        return;
      case 'comparison':
        this.comparison = event.runs;
        return;
      case 'prediction':
        this.#predictions.get(event.requestId)?.(event.output);
        this.#predictions.delete(event.requestId);
        return;
    }
  }
}

/** Tables are compared by content: a resumed run's table arrives as a copy of the one the page sent. */
function sameOwnTable(a: OwnData, b: OwnData): boolean {
  return a.csv === b.csv || (a.csv !== undefined && b.csv !== undefined && sameTable(a.csv, b.csv));
}

/** sessionStorage can be missing or throw (storage disabled); the offer then falls back to the newest run. */
function readTabRun(): string | null {
  try {
    return sessionStorage.getItem(TAB_RUN_KEY);
  } catch {
    return null;
  }
}

function writeTabRun(runId: string): void {
  try {
    sessionStorage.setItem(TAB_RUN_KEY, runId);
  } catch {
    // Without sessionStorage the offer simply prefers the newest run.
  }
}

const KEY = Symbol('trainer-client');
export const setTrainerClient = (client: TrainerClient) => setContext(KEY, client);
export const useTrainerClient = () => getContext<TrainerClient>(KEY);

/** The part of `own` that `config` trains on: a text for the custom dataset, a table for csv. */
function ownDataFor(config: TrainConfig, own: OwnData): OwnData {
  if (config.dataset === 'custom') return { customText: own.customText };
  return config.dataset === 'csv' ? { csv: own.csv } : {};
}
