import * as tf from '@tensorflow/tfjs';
import { isLiveChange, type TrainConfig } from '../engine/config.ts';
import { Trainer } from '../engine/trainer.ts';
import { paramCount } from '../models/spec.ts';
import { fromCheckpoint } from '../checkpoint/training-state.ts';
import type { LoadedCheckpoint } from '../checkpoint/types.ts';
import type { BackendChoice, BackendName, KernelChoice } from '../engine/backend-names.ts';
import { describePlacement, placeRun } from './run-placement.ts';
import type { Dataset } from '../datasets/types.ts';
import type { CurrentRun, RunIdentity } from './current-run.ts';
import type { DatasetSource } from './dataset-source.ts';
import type { Persistence } from './persistence.ts';
import { RunLock } from './run-lock.ts';
import { newRunName } from './run-names.ts';
import { runData } from './run-data.ts';
import type { OwnData, WorkerEvent } from './protocol.ts';
import type { DataSources } from '../datasets/registry.ts';
import type { TrainerLike } from '../engine/trainer-like.ts';
import { TextTrainer } from '../text/text-trainer.ts';
import { sameTable } from '../datasets/csv-table.ts';

/** What opening a run needs from the session. */
export interface RunOpenerHost {
  post(event: WorkerEvent): void;
  /** Ends training (with its pause save) before the trainer is replaced. */
  stopTraining(): Promise<void>;
  /** A run was installed at this step. */
  installed(step: number): void;
  evaluate(): Promise<void>;
  /** Another tab took over the run with this id. */
  lockLost(runId: string): void;
  /** The backend chosen at start, and whether to use our fused kernels. */
  placement(): { choice: BackendChoice; kernels: KernelChoice } | null;
}

const BACKEND_TITLES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'the CPU' };

/**
 * The two ways a run comes on screen: a fresh one at step 0, or a stored one resumed from a
 * checkpoint. Both take the run's Web Lock first and give it back on every path that fails,
 * so a failed open never leaves another tab thinking this one trains the run.
 */
export class RunOpener {
  readonly #current: CurrentRun;
  readonly #persistence: Persistence;
  readonly #datasets: DatasetSource;
  readonly #host: RunOpenerHost;

  constructor(current: CurrentRun, persistence: Persistence, datasets: DatasetSource, host: RunOpenerHost) {
    this.#current = current;
    this.#persistence = persistence;
    this.#datasets = datasets;
    this.#host = host;
  }

  /**
   * New settings from the page. A change that training can take as it goes (learning rate,
   * batch size, ...) updates the run on screen; anything else starts a new run. A different
   * text or CSV table of one's own is a different run, even with the same settings.
   */
  async configure(config: TrainConfig, own: OwnData): Promise<void> {
    const trainer = this.#current.trainer;
    if (trainer && this.#current.ownsRun && sameOwnData(trainer, config, own) && isLiveChange(trainer.config, config)) {
      trainer.updateLiveSettings(config);
      this.#host.post({ type: 'configured', config });
      return;
    }
    return this.startNew(config, undefined, own);
  }

  /** Reset: the run on screen's settings (and own data) again, from step 0, as a new run. */
  async restart(): Promise<void> {
    const trainer = this.#current.trainer;
    if (trainer) return this.startNew(trainer.config, undefined, ownDataOf(trainer));
  }

  /** A fresh run at step 0: new id and lock, weights from the seed or, if given, imported ones. */
  async startNew(config: TrainConfig, imported?: { weights: Float32Array[]; nameSuffix: string }, own: OwnData = {}): Promise<void> {
    await this.#host.stopTraining();
    const text = config.demo === 'text' ? await this.#buildText(config, own.customText) : null;
    const dataset = text ? null : await this.#buildDataset(config, own.csv && { table: own.csv });
    const moved = await this.#place(config, dataset);
    const id = crypto.randomUUID();
    const lock = await RunLock.acquire(id, { onLost: () => this.#host.lockLost(id) });
    let trainer: TrainerLike;
    try {
      trainer = text ? TextTrainer.create(config, text, { kernels: this.#kernels() }) : Trainer.create(config, dataset!, imported?.weights, { kernels: this.#kernels() });
    } catch (error) {
      lock?.release();
      throw error;
    }
    const name = imported ? `${newRunName(config, id)} ${imported.nameSuffix}` : newRunName(config, id);
    await this.#install(trainer, { id, name, lock }, moved);
  }

  /**
   * The resume path: stop training, take the run's lock (or show the run read-only when
   * another tab trains it), load the checkpoint, rebuild the trainer. If loading or rebuilding
   * fails, the lock taken here is released, the run on screen stays as it was, and the error
   * goes to the page.
   */
  async resume(runId: string, checkpointId: string | undefined, takeOver: boolean): Promise<void> {
    await this.#host.stopTraining();
    await this.#persistence.settle();
    const sameRun = this.#current.run?.id === runId;
    const heldLock = sameRun ? this.#current.run!.lock : null;
    const lock = heldLock ?? (await RunLock.acquire(runId, { steal: takeOver, onLost: () => this.#host.lockLost(runId) }));
    let rebuilt: { trainer: TrainerLike; moved: string | null };
    let loaded: LoadedCheckpoint;
    try {
      loaded = await this.#load(runId, checkpointId);
      rebuilt = await this.#rebuild(loaded);
    } catch (error) {
      if (lock !== heldLock) lock?.release();
      await this.#persistence.publishLists();
      throw error;
    }
    await this.#install(rebuilt.trainer, { id: runId, name: loaded.manifest.runName ?? 'Untitled run', lock }, rebuilt.moved);
    if (!lock) {
      this.#host.post({ type: 'runLocked', runId, message: 'This run is open for training in another tab, so this tab shows it read-only. Take it over to train it here.' });
    }
  }

  async #load(runId: string, checkpointId: string | undefined): Promise<LoadedCheckpoint> {
    if (checkpointId) return this.#persistence.load(checkpointId);
    const latest = await this.#persistence.loadLatest(runId);
    if (latest.message) this.#host.post({ type: 'notice', message: latest.message });
    return latest.loaded;
  }

  /** Validates a loaded checkpoint and builds its trainer; says so when it continues on another backend. */
  async #rebuild(loaded: LoadedCheckpoint): Promise<{ trainer: TrainerLike; moved: string | null }> {
    const { config, backend, captured } = fromCheckpoint(loaded);
    try {
      // A text run's own text comes from its checkpoint: the original file may be long gone.
      const text = config.demo === 'text' ? await this.#buildText(config, captured.text?.customText) : null;
      // So is a CSV run's table, with the statistics it was standardised with.
      const dataset = text ? null : await this.#buildDataset(config, captured.csv);
      const moved = await this.#place(config, dataset);
      const trainer = text ? await TextTrainer.restore(config, text, captured, { kernels: this.#kernels() }) : await Trainer.restore(config, dataset!, captured, { kernels: this.#kernels() });
      const now = tf.getBackend() as BackendName;
      if (now && now !== backend) {
        this.#host.post({
          type: 'notice',
          message: `This checkpoint was trained on ${BACKEND_TITLES[backend]} and continues on ${BACKEND_TITLES[now]}; from here on its losses may differ from a run that stayed on ${BACKEND_TITLES[backend]} in the last digits.`,
        });
      }
      return { trainer, moved };
    } finally {
      tf.dispose(captured.tensors.map(({ tensor }) => tensor));
    }
  }

  /** Builds the run's data, saying so while the digits download. */
  async #buildDataset(config: TrainConfig, csv?: DataSources['csv']) {
    if (!this.#datasets.needsDownload(config)) return this.#datasets.build(config, undefined, csv);
    const loading = (progress?: number) => this.#host.post({ type: 'loading', message: 'Loading 10,000 handwritten digits…', progress });
    loading(0);
    return this.#datasets.build(config, loading);
  }

  /** Builds a text run's data, saying so while a name list downloads. */
  async #buildText(config: TrainConfig, customText: string | undefined) {
    this.#host.post({ type: 'loading', message: 'Loading the text…' });
    try {
      return await this.#datasets.buildText(config, customText);
    } finally {
      this.#host.post({ type: 'loading', message: null });
    }
  }

  /** Switches to the backend this run trains fastest on (see placeRun); the reason if it moved. */
  async #place(config: TrainConfig, dataset: Dataset | null): Promise<string | null> {
    const placement = this.#host.placement();
    return placement ? placeRun(config, dataset, placement.choice, placement.kernels) : null;
  }

  #kernels(): KernelChoice {
    return this.#host.placement()?.kernels ?? 'auto';
  }

  /** Puts the trainer on screen and tells the page about it. */
  async #install(trainer: TrainerLike, run: RunIdentity, moved: string | null): Promise<void> {
    this.#current.install(trainer, run);
    this.#persistence.currentRunId = run.id;
    this.#host.installed(trainer.step);
    // Compile shaders before the first timed step; no training state changes.
    if (tf.getBackend() !== 'cpu') {
      this.#host.post({ type: 'loading', message: 'Compiling GPU shaders…' });
      await trainer.warmUp();
    }
    this.#host.post({ type: 'loading', message: null });
    this.#host.post({
      type: 'run',
      runId: run.id,
      runName: run.name,
      readOnly: run.lock === null,
      config: trainer.config,
      step: trainer.step,
      epoch: trainer.epoch,
      lossHistory: Float32Array.from(trainer.lossHistory),
      evaluations: [...trainer.progress.evaluations],
      data: runData(trainer),
      paramCount: trainer instanceof TextTrainer ? trainer.paramCount : paramCount((trainer as Trainer).spec),
      training: describePlacement(trainer.kernelPath, moved),
    });
    await this.#host.evaluate();
    await this.#persistence.publishLists();
  }
}

/** The student's own data a trainer trains on, to start a fresh run on the same data. */
function ownDataOf(trainer: TrainerLike): OwnData {
  if (trainer instanceof TextTrainer) return { customText: trainer.source.customText };
  if (trainer instanceof Trainer && trainer.dataset.csv) return { csv: trainer.dataset.csv.table };
  return {};
}

/**
 * Whether `own` is the data the trainer already trains on: a different text or CSV table of
 * one's own is a different run, even with the same settings. Tables are compared by content,
 * as each message brings a fresh copy.
 */
function sameOwnData(trainer: TrainerLike, config: TrainConfig, own: OwnData): boolean {
  const current = ownDataOf(trainer);
  if (current.customText !== (config.dataset === 'custom' ? own.customText : undefined)) return false;
  const next = config.dataset === 'csv' ? own.csv : undefined;
  return current.csv === undefined || next === undefined ? current.csv === next : sameTable(current.csv, next);
}
