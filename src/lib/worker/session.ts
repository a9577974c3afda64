import * as tf from '@tensorflow/tfjs';
import { isPointsChange, parseConfig } from '../engine/config.ts';
import { chooseBackend } from '../engine/backend.ts';
import type { BackendChoice, BackendName, KernelChoice } from '../engine/backend-names.ts';
import { RunPictures } from './pictures.ts';
import { DeviceWatch } from './device-watch.ts';
import { CheckpointSaver } from './checkpoint-saver.ts';
import { CurrentRun } from './current-run.ts';
import { DatasetSource } from './dataset-source.ts';
import { Persistence } from './persistence.ts';
import { RunFiles } from './run-files.ts';
import { RunOpener } from './run-opener.ts';
import { compareRuns } from './run-comparison.ts';
import { TrainingLoop } from './training-loop.ts';
import { errorEvent, type PostedCommand, type SaveReason, type WorkerCommand, type WorkerCommandOf, type WorkerEvent } from './protocol.ts';
import { Trainer } from '../engine/trainer.ts';
import { TextSampler } from './text-sampler.ts';
import { replaceCurvePoints } from './curve-points-change.ts';

/**
 * Owns the trainer inside the worker and dispatches the page's commands: one at a time, in
 * order, except Pause, Stop at, autosave and Save requests, which the training loop picks up
 * between steps. The parts: CurrentRun (the trainer and its run), RunOpener (new runs and
 * the resume path), CheckpointSaver (the save path), RunFiles (export and import),
 * TrainingLoop (when to step, read back, save and evaluate), Persistence (the store).
 */
export class TrainingSession {
  readonly #post: (event: WorkerEvent, transfer?: Transferable[]) => void;
  #queue: Promise<void> = Promise.resolve();
  readonly #current = new CurrentRun();
  readonly #datasets = new DatasetSource();
  readonly #persistence: Persistence;
  readonly #saver: CheckpointSaver;
  readonly #opener: RunOpener;
  readonly #files: RunFiles;
  readonly #loop: TrainingLoop;
  #backend: BackendChoice | null = null;
  #kernels: KernelChoice = 'auto';
  readonly #device = new DeviceWatch();
  readonly #pictures = new RunPictures();
  readonly #sampler: TextSampler;

  constructor(post: (event: WorkerEvent, transfer?: Transferable[]) => void) {
    this.#post = post;
    this.#sampler = new TextSampler(post);
    this.#persistence = new Persistence((event) => this.#post(event));
    this.#persistence.onRemoteChange = (runId) => {
      if (this.#current.run?.id === runId && !this.#current.ownsRun) this.#enqueue({ type: 'resume', runId });
    };
    // The backend that trains the run on screen: a run may have moved off a software GPU.
    const backendName = () => (this.#backend ? (tf.getBackend() as BackendName) : null);
    const maySave = () => !this.#device.lost;
    const evaluate = () => this.#evaluate();
    this.#saver = new CheckpointSaver(this.#current, this.#persistence, { post, backendName, maySave });
    this.#persistence.onStoreReopened = () => this.#saver.forgetCommitted();
    this.#loop = new TrainingLoop({
      post,
      evaluate,
      saveAtBoundary: (reason) => this.#saver.saveAtBoundary(reason),
      maySave: () => maySave() && this.#current.ownsRun,
      saveInFlight: () => this.#saver.inFlight,
      reportError: (error) => this.#post(errorEvent(error)),
    });
    this.#opener = new RunOpener(this.#current, this.#persistence, this.#datasets, {
      post,
      evaluate,
      placement: () => (this.#backend ? { choice: this.#backend, kernels: this.#kernels } : null),
      stopTraining: () => this.#loop.stop(),
      installed: (step) => {
        this.#saver.runInstalled(step);
        this.#pictures.prepare(this.#current.trainer!);
      },
      lockLost: (runId) => this.#onRunLockLost(runId),
    });
    this.#files = new RunFiles(this.#current, this.#persistence, this.#saver, this.#opener, { post, saveNow: () => this.#save('manual') });
  }

  /** Time spent training and taking save snapshots so far; the benchmark's ui.autosaveShare. */
  get trainingTotals(): Readonly<TrainingLoop['totals']> {
    return this.#loop.totals;
  }

  /** Takes one posted command; when it has taken effect, posts `done` with its `seq`. */
  handle({ seq, ...command }: PostedCommand): void {
    const done = () => {
      if (seq !== undefined) this.#post({ type: 'done', seq });
    };
    switch (command.type) {
      case 'pause':
        this.#loop.requestPause();
        void this.#loop.stop().then(done);
        return;
      case 'setStopAt':
        this.#loop.stopAt = command.step;
        return done();
      case 'setAutosave':
        this.#loop.autosaveMs = command.seconds * 1000;
        return done();
      case 'save':
        // While the loop owns the trainer, it takes the snapshot at its next step boundary.
        if (!this.#loop.active) this.#enqueue(command, done);
        else if (!this.#refuseReadOnly()) void this.#loop.requestSave(command.reason).then(done);
        else done();
        return;
      default:
        this.#enqueue(command, done);
    }
  }

  #enqueue(command: WorkerCommand, done: () => void = () => {}): void {
    this.#queue = this.#queue
      .then(() => this.#execute(command))
      .catch((error: unknown) => this.#post(errorEvent(error)))
      .finally(done);
  }

  async #execute(command: WorkerCommand): Promise<void> {
    const trainer = this.#current.trainer;
    switch (command.type) {
      case 'init':
        return this.#init(command);
      case 'configure': {
        const config = parseConfig(command.config);
        if (trainer instanceof Trainer && this.#current.ownsRun && isPointsChange(trainer.config, config)) {
          return replaceCurvePoints(trainer, config, { datasets: this.#datasets, saver: this.#saver, loop: this.#loop, post: this.#post });
        }
        return this.#opener.configure(config, { customText: command.customText, csv: command.csv });
      }
      case 'reset':
        return this.#opener.restart();
      case 'setSampling':
        this.#sampler.set(command.prompt, command.temperature);
        // While the loop trains, its next evaluation samples; sampling now would read weights mid-step.
        if (trainer && !this.#loop.active) await this.#sampler.sample(trainer);
        return;
      case 'train':
        if (this.#refuseReadOnly() || !trainer) return;
        this.#loop.start(trainer);
        return;
      case 'step':
        if (this.#refuseReadOnly() || !trainer) return;
        return this.#loop.stepOnce(trainer);
      case 'save':
        if (this.#refuseReadOnly()) return;
        return this.#save(command.reason);
      case 'resume':
        return this.#opener.resume(command.runId, command.checkpointId, command.takeOver ?? false).catch((error: unknown) => {
          this.#post(errorEvent(error));
          if (this.#current.run) this.#post({ type: 'notice', message: 'The run on screen is unchanged; you can keep training it, or pick another checkpoint.' });
        });
      case 'deleteCheckpoint':
        return this.#persistence.removeCheckpoint(command.checkpointId, command.runId);
      case 'deleteRun':
        return this.#persistence.removeRun(command.runId);
      case 'renameRun':
        return this.#persistence.renameRun(command.runId, command.name);
      case 'predict':
        return this.#pictures.predict(trainer, command.requestId, command.input, this.#post);
      case 'export':
        return this.#files.export(command.checkpointId);
      case 'import':
        return this.#files.import(command.files);
      case 'compare':
        return this.#post({ type: 'comparison', runs: await compareRuns(this.#persistence, command.runIds) });
      case 'simulateDeviceLoss':
        return DeviceWatch.simulateLoss();
    }
  }

  async #init(command: WorkerCommandOf<'init'>): Promise<void> {
    this.#datasets.mnistUrl = command.mnistUrl;
    this.#kernels = command.kernels ?? 'auto';
    this.#backend = await chooseBackend(command.requestedBackend, command.requestedBecause);
    this.#post({ type: 'ready', backend: this.#backend });
    this.#device.watch((message) => this.#onDeviceLost(message));
    await this.#persistence.open();
  }

  /** Saves at a step boundary: the loop's next one while it trains, else this one. */
  #save(reason: SaveReason): Promise<void> {
    return this.#loop.active ? this.#loop.requestSave(reason) : this.#saver.saveAtBoundary(reason);
  }

  #onDeviceLost(message: string): void {
    this.#loop.requestPause();
    this.#post({ type: 'deviceLost', message: DeviceWatch.lostMessage(message, this.#current.trainer?.step ?? 0) });
  }

  #onRunLockLost(runId: string): void {
    if (this.#current.run?.id !== runId) return;
    this.#loop.requestPause();
    this.#current.loseLock();
    this.#post({ type: 'runLocked', runId, message: 'Another tab took over this run, so this tab now shows it read-only. Take it over to train it here again.' });
  }

  /** Posts why this tab may not train or save the run, and says whether it refused. */
  #refuseReadOnly(): boolean {
    const refusal = this.#current.refusal(this.#device.lost);
    if (refusal) this.#post({ type: 'notice', message: refusal });
    return refusal !== null;
  }

  async #evaluate(): Promise<void> {
    const trainer = this.#current.trainer;
    if (!trainer) return;
    this.#post(await this.#pictures.evaluate(trainer));
    await this.#sampler.afterEvaluation(trainer, this.#loop.running);
  }
}
