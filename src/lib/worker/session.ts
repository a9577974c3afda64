import * as tf from '@tensorflow/tfjs';
import { isLiveChange, parseConfig, type TrainConfig } from '../engine/config.ts';
import { chooseBackend, deviceLost } from '../engine/backend.ts';
import type { BackendChoice } from '../engine/backend-names.ts';
import { Trainer, type CapturedState } from '../engine/trainer.ts';
import { buildDataset } from '../datasets/registry.ts';
import { decodeMnist, MNIST_PIXELS, type MnistImages } from '../datasets/mnist.ts';
import { paramCount } from '../models/spec.ts';
import { boundaryGridInputs, drawPicture, DIGIT_SAMPLES } from './pictures.ts';
import { fromCheckpoint } from './checkpoint-state.ts';
import { Persistence } from './persistence.ts';
import { RunLock } from './run-lock.ts';
import { TrainingLoop } from './training-loop.ts';
import { checkImportSizes, exportCheckpointZip, readCheckpointFiles } from '../share/checkpoint-file.ts';
import type { RunData, SaveReason, WorkerCommand, WorkerCommandOf, WorkerEvent } from './protocol.ts';

/** The run the trainer belongs to. */
interface RunIdentity {
  id: string;
  name: string;
  /** Null while another tab holds the run: then this tab only shows it. */
  lock: RunLock | null;
}

const DEMO_TITLES: Record<TrainConfig['demo'], string> = { classify2d: '2D', digits: 'Digits', curve: 'Curve' };

function newRunName(config: TrainConfig): string {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return `${DEMO_TITLES[config.demo]} ${config.dataset} · ${when}`;
}

/**
 * Owns the trainer inside the worker. Commands are handled one at a time, in order, except
 * pause, stop-at and save requests, which the training loop picks up between steps.
 */
export class TrainingSession {
  #post: (event: WorkerEvent, transfer?: Transferable[]) => void;
  #queue: Promise<void> = Promise.resolve();
  #persistence: Persistence;
  #backend: BackendChoice | null = null;
  #trainer: Trainer | null = null;
  #run: RunIdentity | null = null;
  #gridInputs: Float32Array | null = null;
  readonly #loop: TrainingLoop;
  #mnistUrl = '';
  #mnist: MnistImages | undefined;
  #stepAtLastSave = 0;
  #deviceLost = false;

  constructor(post: (event: WorkerEvent, transfer?: Transferable[]) => void) {
    this.#post = post;
    this.#persistence = new Persistence((event) => this.#post(event));
    this.#persistence.onRemoteChange = (runId) => {
      if (this.#run?.id === runId && !this.#run.lock) this.#enqueue({ type: 'resume', runId });
    };
    // The last save may be gone with the old store: the next step boundary (a pause, an
    // export) must save again, even at the same step.
    this.#persistence.onStoreReopened = () => (this.#stepAtLastSave = -1);
    this.#loop = new TrainingLoop({
      post: (event, transfer) => this.#post(event, transfer),
      evaluate: () => this.#evaluate(),
      saveAtBoundary: (reason) => this.#saveAtBoundary(reason),
      maySave: () => !this.#deviceLost && this.#run?.lock != null,
      reportError: (error) => this.#reportError(error),
    });
  }

  handle(command: WorkerCommand): void {
    switch (command.type) {
      case 'pause':
        this.#loop.requestPause();
        return;
      case 'setStopAt':
        this.#loop.stopAt = command.step;
        return;
      case 'setAutosave':
        this.#loop.autosaveMs = command.seconds * 1000;
        return;
      case 'save':
        // While training, the loop takes the snapshot at its next step boundary.
        if (this.#loop.running) this.#loop.requestSave(command.reason);
        else this.#enqueue(command);
        return;
      default:
        this.#enqueue(command);
    }
  }

  #enqueue(command: WorkerCommand): void {
    this.#queue = this.#queue.then(() => this.#execute(command)).catch((error: unknown) => this.#reportError(error));
  }

  async #execute(command: WorkerCommand): Promise<void> {
    switch (command.type) {
      case 'init':
        return this.#init(command);
      case 'configure': {
        const config = parseConfig(command.config);
        if (this.#trainer && this.#run?.lock && isLiveChange(this.#trainer.config, config)) {
          this.#trainer.updateLiveSettings(config);
          this.#post({ type: 'configured', config });
          return;
        }
        return this.#startNewRun(config);
      }
      case 'reset':
        if (this.#trainer) return this.#startNewRun(this.#trainer.config);
        return;
      case 'train':
        if (this.#refuseReadOnly() || !this.#trainer) return;
        this.#loop.start(this.#trainer);
        return;
      case 'step':
        if (this.#refuseReadOnly() || !this.#trainer) return;
        return this.#loop.stepOnce(this.#trainer);
      case 'save':
        if (this.#refuseReadOnly()) return;
        return this.#saveAtBoundary(command.reason);
      case 'resume':
        return this.#resume(command.runId, command.checkpointId, command.takeOver ?? false);
      case 'deleteCheckpoint':
        return this.#persistence.removeCheckpoint(command.checkpointId, command.runId);
      case 'deleteRun':
        return this.#persistence.removeRun(command.runId);
      case 'renameRun':
        return this.#persistence.renameRun(command.runId, command.name);
      case 'predict': {
        if (!this.#trainer) return;
        const output = await this.#trainer.predict(command.input);
        this.#post({ type: 'prediction', requestId: command.requestId, output }, [output.buffer]);
        return;
      }
      case 'export':
        return this.#export(command.checkpointId);
      case 'import':
        return this.#import(command.files);
      case 'simulateDeviceLoss': {
        const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
        if (tf.getBackend() === 'webgpu' && device) device.destroy();
        return;
      }
    }
  }

  async #init(command: WorkerCommandOf<'init'>): Promise<void> {
    this.#mnistUrl = command.mnistUrl;
    this.#backend = await chooseBackend(command.requestedBackend, command.requestedBecause);
    this.#post({ type: 'ready', backend: this.#backend });
    void deviceLost().then((message) => this.#onDeviceLost(message));
    await this.#persistence.open();
  }

  #onDeviceLost(message: string): void {
    this.#deviceLost = true;
    this.#loop.requestPause();
    const step = this.#trainer?.step ?? 0;
    this.#post({
      type: 'deviceLost',
      message:
        `The GPU device was lost (${message}), so training stopped at step ${step}. ` +
        'Resume from the last checkpoint on the fallback backend to continue; saved checkpoints are intact.',
    });
  }

  #refuseReadOnly(): boolean {
    if (this.#deviceLost) {
      this.#post({ type: 'notice', message: 'The GPU device was lost; resume on the fallback backend to keep training.' });
      return true;
    }
    if (this.#run && !this.#run.lock) {
      this.#post({ type: 'notice', message: 'This run is being trained in another tab. Take it over to train it here.' });
      return true;
    }
    return false;
  }

  async #loadDataset(config: TrainConfig) {
    if (config.demo === 'digits' && !this.#mnist) this.#mnist = await this.#loadMnist();
    return buildDataset(config, { mnist: this.#mnist });
  }

  /** A fresh run at step 0: new id and lock, weights from the seed or, if given, imported ones. */
  async #startNewRun(config: TrainConfig, imported?: { weights: Float32Array[]; nameSuffix: string }): Promise<void> {
    await this.#loop.stop();
    const dataset = await this.#loadDataset(config);
    const id = crypto.randomUUID();
    const lock = await RunLock.acquire(id, { onLost: () => this.#onRunLockLost(id) });
    const name = imported ? `${newRunName(config)} ${imported.nameSuffix}` : newRunName(config);
    this.#install(Trainer.create(config, dataset, imported?.weights), { id, name, lock });
    await this.#announceRun();
  }

  /** Replaces the trainer and run identity; releases the previous run's lock. */
  #install(trainer: Trainer, run: RunIdentity): void {
    this.#trainer?.dispose();
    if (this.#run?.lock && this.#run.id !== run.id) this.#run.lock.release();
    this.#trainer = trainer;
    this.#run = run;
    this.#gridInputs = trainer.config.demo === 'classify2d' ? boundaryGridInputs(trainer.config) : null;
    this.#stepAtLastSave = trainer.step;
    this.#persistence.currentRunId = run.id;
  }

  async #announceRun(): Promise<void> {
    const trainer = this.#trainer!;
    const run = this.#run!;
    // Compile shaders before the first timed step; no training state changes.
    if (tf.getBackend() !== 'cpu') await trainer.warmUp();
    this.#post({
      type: 'run',
      runId: run.id,
      runName: run.name,
      readOnly: run.lock === null,
      config: trainer.config,
      step: trainer.step,
      epoch: trainer.epoch,
      lossHistory: Float32Array.from(trainer.lossHistory),
      evaluations: [...trainer.progress.evaluations],
      data: this.#runData(trainer),
      paramCount: paramCount(trainer.spec),
    });
    await this.#evaluate();
    await this.#persistence.publishLists();
  }

  async #resume(runId: string, checkpointId: string | undefined, takeOver: boolean): Promise<void> {
    await this.#loop.stop();
    await this.#persistence.settle();
    const sameRun = this.#run?.id === runId;
    let lock = sameRun ? this.#run!.lock : null;
    if (!lock) lock = await RunLock.acquire(runId, { steal: takeOver, onLost: () => this.#onRunLockLost(runId) });
    let loaded;
    try {
      if (checkpointId) {
        loaded = await this.#persistence.load(checkpointId);
      } else {
        const latest = await this.#persistence.loadLatest(runId);
        if (latest.message) this.#post({ type: 'notice', message: latest.message });
        loaded = latest.loaded;
      }
    } catch (error) {
      if (!sameRun) lock?.release();
      await this.#persistence.publishLists();
      throw error;
    }
    const { config, captured } = fromCheckpoint(loaded);
    let trainer: Trainer;
    try {
      trainer = await Trainer.restore(config, await this.#loadDataset(config), captured);
    } finally {
      for (const { tensor } of captured.tensors) tensor.dispose();
    }
    this.#install(trainer, { id: runId, name: loaded.manifest.runName ?? 'Untitled run', lock });
    await this.#announceRun();
    if (!lock) {
      this.#post({ type: 'runLocked', runId, message: 'This run is open for training in another tab, so this tab shows it read-only. Take it over to train it here.' });
    }
  }

  async #export(checkpointId: string | undefined): Promise<void> {
    let id = checkpointId ?? null;
    if (!id) {
      // Export what is on screen: save first when the newest checkpoint is older than this step.
      const trainer = this.#trainer;
      if (trainer && trainer.step > 0 && trainer.step !== this.#stepAtLastSave && this.#run?.lock) await this.#saveAtBoundary('manual');
      await this.#persistence.settle();
      id = this.#run ? await this.#persistence.latestId(this.#run.id) : null;
      if (!id) throw new Error('There is no checkpoint to export yet: train at least one step, then press Export again.');
    }
    const loaded = await this.#persistence.load(id);
    const bytes = await exportCheckpointZip(loaded);
    const name = (loaded.manifest.runName ?? 'run').replace(/[^\w.-]+/g, '_');
    this.#post({ type: 'exported', fileName: `${name}-step-${loaded.manifest.step}.zip`, bytes }, [bytes.buffer]);
  }

  /** Checks the files completely before anything is stored; then opens what they hold. */
  async #import(files: File[]): Promise<void> {
    checkImportSizes(files.map((file) => ({ name: file.name, size: file.size })));
    const named = await Promise.all(files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
    const imported = await readCheckpointFiles(named);
    if (imported.kind === 'checkpoint') {
      await this.#persistence.saveImported(imported.input);
      await this.#resume(imported.input.runId, undefined, false);
      this.#post({ type: 'notice', message: `Imported "${imported.input.runName}" at step ${imported.input.step}; it is open now and can be resumed.` });
      return;
    }
    await this.#startNewRun(imported.config, { weights: imported.weights, nameSuffix: '(from model.json)' });
    this.#post({ type: 'notice', message: `Imported ${imported.description} as the starting point of a new run at step 0.` });
  }

  #onRunLockLost(runId: string): void {
    if (this.#run?.id !== runId) return;
    this.#loop.requestPause();
    this.#run.lock = null;
    this.#post({ type: 'runLocked', runId, message: 'Another tab took over this run, so this tab now shows it read-only. Take it over to train it here again.' });
  }

  async #loadMnist(): Promise<MnistImages> {
    const response = await fetch(this.#mnistUrl);
    if (!response.ok) {
      throw new Error(`The handwritten digits could not be loaded (${response.status} for ${this.#mnistUrl}). Run \`npm run build:data\` and reload.`);
    }
    return decodeMnist(new Uint8Array(await response.arrayBuffer()));
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

  /**
   * Snapshots the state at this step boundary and saves it in the background. The only work
   * on the step path is an evaluation (if stale) and cloning the tensors on the device.
   */
  async #saveAtBoundary(reason: SaveReason): Promise<void> {
    const trainer = this.#trainer;
    const run = this.#run;
    if (!trainer || !run?.lock || !this.#backend || !this.#persistence.store) return;
    if (trainer.step === 0) {
      if (reason === 'manual') this.#post({ type: 'notice', message: 'There is nothing to save yet: train at least one step first.' });
      return;
    }
    if (reason !== 'manual' && trainer.step === this.#stepAtLastSave) return;
    // One save at a time; an autosave that finds one in flight is simply skipped.
    if (this.#persistence.isSaving) {
      if (reason === 'autosave') return;
      await this.#persistence.settle();
    }
    if (trainer.progress.evaluations.at(-1)?.step !== trainer.step) await this.#evaluate();
    const captured: CapturedState = await trainer.captureState();
    this.#stepAtLastSave = trainer.step;
    void this.#persistence.save(captured, { runId: run.id, runName: run.name, config: trainer.config, backend: this.#backend.name }, reason);
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
