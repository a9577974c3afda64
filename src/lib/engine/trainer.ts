import * as tf from '@tensorflow/tfjs';
import { isLiveChange, isPointsChange, type TrainConfig } from './config.ts';
import type { Dataset } from '../datasets/types.ts';
import type { CsvRunData } from '../datasets/csv-dataset.ts';
import { exampleCount } from '../datasets/types.ts';
import { Rng, type RngState } from './rng.ts';
import { learningRateAt } from './schedules.ts';
import { createOptimizer, setLearningRate, cloneOptimizerState, restoreOptimizerState, type NamedTensor } from './optimizers.ts';
import { modelSpecFor, paramSpecs, type ModelSpec, type ParamSpec } from '../models/spec.ts';
import { initialValues } from '../models/init.ts';
import { forward, predictOutputs } from '../models/forward.ts';
import { argmaxRows, accuracy } from './metrics.ts';
import { chooseKernelPath, targetRows, webgpuDevice, type KernelChoice, type KernelPath } from '../models/mlp-kernels/kernel-path.ts';
import { FusedStep, mlpKernel, type FusedKernel } from '../models/mlp-kernels/fused-step.ts';
import { FusedUpgrade } from '../models/mlp-kernels/fused-upgrade.ts';
import { mlpLayout } from '../models/mlp-kernels/mlp-layout.ts';
import { cnnKernel } from '../models/cnn-kernels/cnn-kernel.ts';
import { cnnLayout } from '../models/cnn-kernels/cnn-layout.ts';
import { CnnFusedEvaluation } from '../models/cnn-kernels/cnn-fused-evaluation.ts';
import { optimizerTensors, packOptimizerState } from '../models/mlp-kernels/fused-optimizer-state.ts';

export type { KernelPath, KernelChoice };

export interface TrainerOptions {
  /** 'auto' (default) trains on WebGPU with fused kernels; 'tfjs' always uses TensorFlow.js ops. */
  kernels?: KernelChoice;
}

/** One evaluation of the held-out set. */
export interface Evaluation {
  step: number;
  testLoss: number;
  /** Classification only. */
  testAccuracy?: number;
}

/**
 * Everything besides tensors that a resumed run needs, as plain JSON. Together with the
 * tensors from captureState() this is the whole training state.
 */
export interface TrainerProgress {
  step: number;
  epoch: number;
  /** Index of the next batch's first example within this epoch's shuffled order. */
  cursor: number;
  /** Shuffle RNG state at the start of the current epoch; replaying it rebuilds the order. */
  epochRngState: RngState;
  /** Evaluations so far, for the test-loss curve. */
  evaluations: Evaluation[];
}

export interface CapturedState {
  progress: TrainerProgress;
  /** Per-step training loss so far (the chart's history), float32. */
  lossHistory: Float32Array;
  /** Cloned params and optimizer state at this step boundary; the caller disposes them. */
  tensors: NamedTensor[];
  /** A CSV run's table and standardisation: its data cannot be rebuilt from the config. */
  csv?: CsvRunData;
}

/** Params in paramSpecs order, end to end, as the fused kernel keeps them. */
function packParams(values: Float32Array[], count: number): Float32Array {
  const packed = new Float32Array(count);
  let at = 0;
  for (const v of values) {
    packed.set(v, at);
    at += v.length;
  }
  return packed;
}

/** The fused kernel of a model: its WGSL and buffer layout, for this optimizer and batch size. */
function fusedKernelOf(spec: ModelSpec, config: TrainConfig, batch: number): FusedKernel {
  return spec.kind === 'cnn' ? cnnKernel(cnnLayout(spec, config.optimizer, batch)) : mlpKernel(mlpLayout(spec, config.optimizer, batch));
}

/** Derives one dropout seed per step, so masks need no stored RNG state. */
export const dropoutSeedAt = (seed: number, step: number) => (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;

/**
 * The training loop's state machine. It never reads tensors back on the step path: losses
 * stay on the device until readLosses() collects a batch of them in one transfer.
 */
export class Trainer {
  #config: TrainConfig;
  #dataset!: Dataset;
  readonly spec: ModelSpec;
  readonly paramTable: ParamSpec[];
  readonly optimizer: tf.Optimizer;
  /** Fused WGSL kernels or TensorFlow.js ops, and why; fixed for the trainer's life. */
  readonly kernelPath: KernelPath;
  #stepsPerEpoch = 0;
  #batchSize = 0;

  #progress: TrainerProgress;
  #trainCount = 0;
  /**
   * The data as tfjs tensors (inputs, then targets: one-hot rows or values), only where tfjs
   * ops use them: the training set on the TensorFlow.js path, the test set wherever evaluate()
   * runs tfjs ops. Making the targets runs tfjs's OneHot and Cast, whose pipelines a fused CNN
   * run would otherwise compile at its start for nothing.
   */
  #train: { x: tf.Tensor; y: tf.Tensor } | null = null;
  #test: { x: tf.Tensor; y: tf.Tensor } | null = null;
  #epochX: tf.Tensor | null = null;
  #epochY: tf.Tensor | null = null;
  #pendingLosses: tf.Tensor[] = [];
  #lossHistory: number[] = [];
  #params: tf.Variable[];
  /** The fused path: it owns the weights and optimizer state; #params are copies made on demand. */
  #fused: FusedStep | null = null;
  #paramsStale = false;
  /** The fused CNN's evaluation, on the params in #fused; null where evaluate() runs TensorFlow.js ops. */
  #evaluation: CnnFusedEvaluation | null = null;
  /** This epoch's shuffled example order (the fused path gathers batches itself). */
  #epochOrder = new Int32Array(0);
  /** A fused step compiled by prepareData() for the next replaceData(), with the data it holds. */
  #prepared: { dataset: Dataset; fused: FusedStep } | null = null;
  /**
   * The faster kernel a small MLP moves to once it has compiled (see FusedUpgrade): first its
   * description, then, from the first loss read on (after the run's first step, so that its
   * compiling does not delay that step), the compiling step itself.
   */
  #upgradeKernel: FusedKernel | null = null;
  #upgrade: FusedUpgrade | null = null;

  private constructor(config: TrainConfig, dataset: Dataset, initial?: Float32Array[], options: TrainerOptions = {}) {
    this.#config = config;
    this.spec = modelSpecFor(config, dataset);
    this.paramTable = paramSpecs(this.spec);
    const values = initial ?? initialValues(this.paramTable, config.seed);
    this.#params = this.paramTable.map((p, i) => tf.tidy(() => tf.variable(tf.tensor(values[i], p.shape, 'float32'), true)));
    this.optimizer = createOptimizer(config.optimizer, config.learningRate);
    this.kernelPath = chooseKernelPath(this.spec, options.kernels ?? 'auto');
    this.#loadData(dataset);
    this.#fused?.writeState(packParams(values, this.#fused.kernel.packing.paramCount));
    this.#progress = { step: 0, epoch: 0, cursor: 0, epochRngState: Rng.seeded(config.seed, 'shuffle').state, evaluations: [] };
    this.#shuffleEpoch();
  }

  /** A fresh run; `initial` (in paramSpecs order) replaces the seeded initial weights, e.g. from an imported model. */
  static create(config: TrainConfig, dataset: Dataset, initial?: Float32Array[], options: TrainerOptions = {}): Trainer {
    if (initial) {
      const table = paramSpecs(modelSpecFor(config, dataset));
      table.forEach((p, i) => {
        const size = p.shape.reduce((a, b) => a * b, 1);
        if (initial[i]?.length !== size) throw new Error(`The initial weights for ${p.name} hold ${initial[i]?.length ?? 0} values, but this model needs ${size}.`);
      });
    }
    return new Trainer(config, dataset, initial, options);
  }

  /** Rebuilds a trainer from captured state, continuing exactly where it stopped. */
  static async restore(config: TrainConfig, dataset: Dataset, saved: CapturedState, options: TrainerOptions = {}): Promise<Trainer> {
    const byName = new Map(saved.tensors.map((t) => [t.name, t.tensor]));
    const table = paramSpecs(modelSpecFor(config, dataset));
    const values = await Promise.all(
      table.map(async (p) => {
        const tensor = byName.get(`param/${p.name}`);
        if (!tensor) throw new Error(`The checkpoint has no weights for ${p.name}; it was saved from a different model.`);
        if (tensor.shape.join('x') !== p.shape.join('x')) {
          throw new Error(`The checkpoint's ${p.name} has shape [${tensor.shape}] but this model expects [${p.shape}].`);
        }
        return (await tensor.data()) as Float32Array;
      }),
    );
    const trainer = new Trainer(config, dataset, values, options);
    const optimizerState = saved.tensors.filter((t) => t.name.startsWith('optimizer/'));
    const fused = trainer.#fused;
    if (fused) {
      const packed = await packOptimizerState(fused.kernel.packing, optimizerState);
      fused.writeState(packParams(values, fused.kernel.packing.paramCount), packed.slots);
      fused.iterations = packed.iterations;
      fused.beta1Power = packed.beta1Power;
      fused.beta2Power = packed.beta2Power;
    } else await restoreOptimizerState(trainer.optimizer, optimizerState);
    trainer.#progress = structuredClone(saved.progress);
    trainer.#lossHistory = Array.from(saved.lossHistory);
    trainer.#shuffleEpoch();
    return trainer;
  }

  /**
   * The trainable tensors, in paramSpecs order. On the fused path the kernel owns the weights;
   * these are refreshed from it when read after a step.
   */
  get params(): tf.Variable[] {
    if (this.#fused && this.#paramsStale) {
      const fresh = this.#fused.paramTensors(this.paramTable.map((p) => p.shape));
      this.#params.forEach((v, i) => v.assign(fresh[i]));
      tf.dispose(fresh);
      this.#paramsStale = false;
    }
    return this.#params;
  }

  get config(): TrainConfig {
    return this.#config;
  }

  get dataset(): Dataset {
    return this.#dataset;
  }

  /** Examples per step: the config's batch size, or all training examples if there are fewer. */
  get batchSize(): number {
    return this.#batchSize;
  }

  get stepsPerEpoch(): number {
    return this.#stepsPerEpoch;
  }

  /**
   * Trains on new data from the next step on (a curve run's placed points; see isPointsChange),
   * keeping the weights, the optimizer state, the step and the loss history. The epoch starts
   * over the new data (cursor 0, its order replayed from the epoch's stored shuffle state), so
   * a checkpoint taken afterwards, whose config holds the new points, resumes exactly; at step
   * 0 the trainer equals a fresh one of `config`. Only at a step boundary with every loss read.
   */
  /**
   * Builds ahead what replaceData(config, dataset) needs and may take seconds, while training
   * goes on: on the fused path, a kernel for a new batch size (fewer examples than the batch),
   * compiled. Without it, replaceData() compiles at the next step, and training waits.
   */
  async prepareData(config: TrainConfig, dataset: Dataset): Promise<void> {
    const batch = Math.min(config.batchSize, exampleCount(dataset.trainX, dataset.inputShape));
    if (!this.#fused || batch === this.#fused.kernel.dense.batch) return;
    this.#prepared?.fused.dispose();
    const fused = new FusedStep(webgpuDevice(), fusedKernelOf(this.spec, config, batch), dataset.trainX, targetRows(dataset.trainY, dataset.classes));
    this.#prepared = { dataset, fused };
    await fused.ready();
  }

  replaceData(config: TrainConfig, dataset: Dataset): void {
    if (!isPointsChange(this.#config, config)) throw new Error('Only a curve run\'s points can change its data during a run; start a new run for other changes.');
    if (this.pendingLossCount > 0) throw new Error('The data can only change at a step boundary; read the pending losses first.');
    if (dataset.inputShape.join() !== this.#dataset.inputShape.join() || dataset.classes !== this.#dataset.classes) {
      throw new Error('The new data must have the same input shape and classes as the run\'s model.');
    }
    this.#config = config;
    this.#loadData(dataset);
    this.#progress.cursor = 0;
    this.#shuffleEpoch();
  }

  /** Applies a change of LIVE_KEYS settings from the next step on; anything else needs a new run. */
  updateLiveSettings(next: TrainConfig): void {
    if (!isLiveChange(this.#config, next)) throw new Error('Only the learning rate, schedule, decay steps, L2 and dropout can change during a run; start a new run for other changes.');
    this.#config = next;
  }

  get step(): number {
    return this.#progress.step;
  }

  get epoch(): number {
    return this.#progress.epoch;
  }

  get progress(): Readonly<TrainerProgress> {
    return this.#progress;
  }

  /** Losses already read back, one per completed step. */
  get lossHistory(): readonly number[] {
    return this.#lossHistory;
  }

  get learningRate(): number {
    return learningRateAt(this.#progress.step, this.config);
  }

  /** One optimisation step on the next batch. Enqueues GPU work; reads nothing back. */
  trainStep(): void {
    const progress = this.#progress;
    if (progress.cursor + this.batchSize > this.stepsPerEpoch * this.batchSize) this.#startNextEpoch();
    const start = progress.cursor;
    const dropoutSeed = dropoutSeedAt(this.config.seed, progress.step);
    if (this.#fused) {
      const { l2, dropout } = this.config;
      this.#fused.enqueue({ learningRate: learningRateAt(progress.step, this.config), l2, dropout, dropoutSeed, examples: this.#epochOrder.subarray(start, start + this.batchSize) });
      this.#paramsStale = true;
      progress.cursor += this.batchSize;
      progress.step += 1;
      return;
    }
    setLearningRate(this.optimizer, learningRateAt(progress.step, this.config));
    const loss = tf.tidy(() => {
      const x = this.#epochX!.slice(start, this.batchSize);
      const y = this.#epochY!.slice(start, this.batchSize);
      return this.optimizer.minimize(() => this.#loss(x, y, { dropout: this.config.dropout, dropoutSeed }), true, this.params)!;
    });
    this.#pendingLosses.push(loss);
    progress.cursor += this.batchSize;
    progress.step += 1;
  }

  /**
   * Runs the forward and backward pass and an evaluation once without applying anything, so
   * WebGPU/WebGL compile their shaders before the first timed step. Changes no state.
   */
  async warmUp(): Promise<void> {
    if (this.#fused) {
      if (!this.#evaluation) {
        // tfjs compiles the evaluation's pipelines while ours compile in the background.
        const out = tf.tidy(() => forward(this.spec, this.params, this.#test!.x));
        await out.data();
        out.dispose();
      }
      await Promise.all([this.#fused.ready(), this.#evaluation?.ready()]);
      return;
    }
    const outputs = tf.tidy((): tf.Tensor[] => {
      const x = this.#epochX!.slice(0, this.batchSize);
      const y = this.#epochY!.slice(0, this.batchSize);
      const { value, grads } = tf.variableGrads(() => this.#loss(x, y, { dropout: this.config.dropout, dropoutSeed: 0 }), this.params);
      return [value, ...Object.values(grads), forward(this.spec, this.params, this.#test!.x)];
    });
    await Promise.all(outputs.map((t) => t.data()));
    tf.dispose(outputs);
  }

  /**
   * Resolves when the run trains on its fastest fused kernel: a small MLP starts on one that
   * compiles sooner and moves when the faster has compiled (FusedUpgrade). Benchmarks time
   * the faster; training never needs to wait for it.
   */
  async fastestKernel(): Promise<void> {
    this.#startUpgrade();
    if (!this.#upgrade) return;
    await this.#upgrade.next.ready();
    if (this.pendingLossCount > 0) await this.readLosses();
    else this.#takeUpgrade();
  }

  /** See FusedStep.backlog(); null on the TensorFlow.js path, which has no such bound. */
  gpuBacklog(): Promise<void> | null {
    return this.#fused?.backlog() ?? null;
  }

  /** Steps whose loss is still on the device. */
  get pendingLossCount(): number {
    return this.#fused ? this.#fused.pendingLossCount : this.#pendingLosses.length;
  }

  /**
   * Reads every pending loss in one transfer and appends them to the history. Returns the
   * new values; the first belongs to step `lossHistory.length - values.length + 1`.
   */
  async readLosses(): Promise<Float32Array> {
    if (this.#fused) {
      const losses = await this.#fused.readLosses();
      for (const v of losses) this.#lossHistory.push(v);
      this.#takeUpgrade();
      return losses;
    }
    if (this.#pendingLosses.length === 0) return new Float32Array(0);
    const pending = this.#pendingLosses;
    this.#pendingLosses = [];
    const stacked = tf.stack(pending);
    tf.dispose(pending);
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    for (const v of values) this.#lossHistory.push(v);
    return values;
  }

  /**
   * Test loss (and accuracy) on the held-out set; records it in the progress. Also returns
   * the predicted class of every test example, for confusion matrices and sample grids.
   */
  async evaluate(): Promise<{ evaluation: Evaluation; predicted?: Int32Array }> {
    const classify = this.dataset.classes > 0;
    // The fused CNN reads its params where the fused step keeps them; everything else runs tfjs ops.
    const { testLoss, outputs } = this.#evaluation ? await this.#evaluation.run(this.#fused!) : await this.#tfjsTestOutputs(classify);
    const predicted = classify ? argmaxRows(outputs!, this.dataset.classes) : undefined;
    const evaluation: Evaluation = { step: this.#progress.step, testLoss };
    if (predicted) evaluation.testAccuracy = accuracy(predicted, this.dataset.testY);
    const evaluations = this.#progress.evaluations;
    if (evaluations.at(-1)?.step === evaluation.step) evaluations[evaluations.length - 1] = evaluation;
    else evaluations.push(evaluation);
    return { evaluation, predicted };
  }

  /** The test loss and, when `withOutputs`, the outputs, computed with TensorFlow.js ops. */
  async #tfjsTestOutputs(withOutputs: boolean): Promise<{ testLoss: number; outputs: Float32Array | null }> {
    const [lossTensor, outputs] = tf.tidy(() => {
      const out = forward(this.spec, this.params, this.#test!.x);
      return [this.#dataLoss(out, this.#test!.y), out] as const;
    });
    // Both reads in flight at once: on a GPU each read waits for the queue to drain, and
    // one drain for both halves what a Save waits for (measured 12-18 ms → see the note).
    const [lossValues, outputValues] = await Promise.all([lossTensor.data(), withOutputs ? outputs.data() : null]);
    tf.dispose([lossTensor, outputs]);
    return { testLoss: lossValues[0], outputs: outputValues as Float32Array | null };
  }

  /** Outputs (probabilities or values) for raw input rows, e.g. a decision-boundary grid. */
  async predict(inputs: Float32Array): Promise<Float32Array> {
    const count = exampleCount(inputs, this.dataset.inputShape);
    const out = tf.tidy(() => predictOutputs(this.spec, this.params, tf.tensor(inputs, [count, ...this.dataset.inputShape])));
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  }

  /**
   * Clones the whole state at this step boundary: params, optimizer slots and progress.
   * Must be called with no step in between its start and end (the worker awaits it).
   */
  async captureState(): Promise<CapturedState> {
    if (this.pendingLossCount > 0) await this.readLosses();
    const params = this.params.map((p, i) => ({ name: `param/${this.paramTable[i].name}`, tensor: p.clone() }));
    const fused = this.#fused;
    const optimizer = fused
      ? optimizerTensors(fused.kernel.packing, await fused.readState(), this.paramTable.map((p) => p.shape), fused)
      : await cloneOptimizerState(this.optimizer);
    return {
      progress: structuredClone(this.#progress),
      lossHistory: Float32Array.from(this.#lossHistory),
      tensors: [...params, ...optimizer],
      ...(this.dataset.csv ? { csv: this.dataset.csv } : {}),
    };
  }

  dispose(): void {
    this.#fused?.dispose();
    this.#evaluation?.dispose();
    this.#prepared?.fused.dispose();
    this.#upgrade?.dispose();
    this.#disposeDataTensors();
    tf.dispose([...this.#params, ...this.#pendingLosses]);
    tf.dispose([this.#epochX, this.#epochY].filter((t): t is tf.Tensor => t !== null));
    this.optimizer.dispose();
    this.#pendingLosses = [];
  }

  /**
   * Uploads `dataset` and sizes the batches for it. On the fused path the kernel gets the new
   * rows; a different batch size (fewer examples than the config's) needs a kernel of its own,
   * which continues the previous one's weights and optimizer state.
   */
  #loadData(dataset: Dataset): void {
    this.#dataset = dataset;
    const trainCount = exampleCount(dataset.trainX, dataset.inputShape);
    // A batch larger than the data would leave nothing to train on; shrink it, keep shapes fixed.
    this.#batchSize = Math.min(this.#config.batchSize, trainCount);
    this.#stepsPerEpoch = Math.floor(trainCount / this.#batchSize);
    this.#trainCount = trainCount;
    this.#disposeDataTensors();
    const fused = this.kernelPath.kind === 'fused';
    // The fused CNN is evaluated in our kernels too (CnnFusedEvaluation); an MLP with tfjs's matMuls.
    const fusedEvaluation = fused && this.spec.kind === 'cnn';
    const tensorsOf = (x: Float32Array, labels: Float32Array) => ({ x: tf.tensor(x, [exampleCount(x, dataset.inputShape), ...dataset.inputShape]), y: this.#targets(labels) });
    if (!fused) this.#train = tensorsOf(dataset.trainX, dataset.trainY);
    if (!fusedEvaluation) this.#test = tensorsOf(dataset.testX, dataset.testY);
    if (!fused) return;
    const targets = targetRows(dataset.trainY, dataset.classes);
    const previous = this.#fused;
    const prepared = this.#prepared?.dataset === dataset ? this.#prepared.fused : null;
    if (!prepared) this.#prepared?.fused.dispose();
    this.#prepared = null;
    if (previous?.kernel.dense.batch === this.#batchSize) {
      previous.replaceTrainingData(dataset.trainX, targets);
      this.#upgrade?.next.replaceTrainingData(dataset.trainX, targets);
    } else {
      this.#upgrade?.dispose();
      this.#upgrade = null;
      this.#upgradeKernel = null;
      const kernel = fusedKernelOf(this.spec, this.#config, this.#batchSize);
      if (!prepared && kernel.mode === 'single') {
        // Start on the per-phase kernel, which compiles in a fraction of the time, and move.
        this.#upgradeKernel = kernel;
        this.#fused = new FusedStep(webgpuDevice(), mlpKernel(kernel.dense, 'phases'), dataset.trainX, targets);
      } else {
        this.#fused = prepared ?? new FusedStep(webgpuDevice(), kernel, dataset.trainX, targets);
      }
      if (previous) {
        this.#fused.adoptState(previous);
        previous.dispose();
        this.#paramsStale = true;
      }
    }
    // Made after the step, so that the step's pipelines compile first.
    this.#evaluation?.dispose();
    this.#evaluation =
      fusedEvaluation && this.spec.kind === 'cnn' ? new CnnFusedEvaluation(webgpuDevice(), this.spec, this.#config.optimizer, dataset.testX, targetRows(dataset.testY, dataset.classes)) : null;
  }

  #disposeDataTensors(): void {
    tf.dispose([this.#train, this.#test].flatMap((d) => (d ? [d.x, d.y] : [])));
    [this.#train, this.#test] = [null, null];
  }

  /** Starts compiling the faster kernel, if there is one and it has not started. */
  #startUpgrade(): void {
    if (!this.#upgradeKernel) return;
    const dataset = this.#dataset;
    this.#upgrade = new FusedUpgrade(new FusedStep(webgpuDevice(), this.#upgradeKernel, dataset.trainX, targetRows(dataset.trainY, dataset.classes)));
    this.#upgradeKernel = null;
  }

  /** Moves to the upgraded kernel if it has compiled; at a step boundary, with every loss read. Starts its compile on the first call. */
  #takeUpgrade(): void {
    this.#startUpgrade();
    const next = this.#upgrade && this.#fused ? this.#upgrade.takeOver(this.#fused) : null;
    if (!next) return;
    this.#fused!.dispose();
    this.#fused = next;
    this.#upgrade = null;
  }

  #targets(labels: Float32Array): tf.Tensor {
    const count = labels.length;
    if (this.dataset.classes === 0) return tf.tensor2d(labels, [count, 1]);
    return tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), this.dataset.classes).toFloat());
  }

  /** Moves to the next epoch: its shuffle RNG state is where the previous shuffle left off. */
  #startNextEpoch(): void {
    const rng = Rng.fromState(this.#progress.epochRngState);
    rng.shuffle(new Int32Array(this.#trainCount));
    this.#progress.epoch += 1;
    this.#progress.cursor = 0;
    this.#progress.epochRngState = rng.state;
    this.#shuffleEpoch();
  }

  /** Replays this epoch's shuffle from its saved RNG state and gathers the epoch on the device once. */
  #shuffleEpoch(): void {
    const count = this.#trainCount;
    const order = Rng.fromState(this.#progress.epochRngState).shuffle(Int32Array.from({ length: count }, (_, i) => i));
    if (this.#fused) {
      this.#epochOrder = order;
      return;
    }
    tf.dispose([this.#epochX, this.#epochY].filter((t): t is tf.Tensor => t !== null));
    [this.#epochX, this.#epochY] = tf.tidy(() => {
      const indices = tf.tensor1d(order, 'int32');
      return [tf.gather(this.#train!.x, indices), tf.gather(this.#train!.y, indices)];
    });
  }

  #dataLoss(outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar {
    return this.dataset.classes === 0
      ? tf.losses.meanSquaredError(targets, outputs)
      : tf.losses.softmaxCrossEntropy(targets, outputs);
  }

  #loss(x: tf.Tensor, y: tf.Tensor, options: { dropout: number; dropoutSeed: number }): tf.Scalar {
    const data = this.#dataLoss(forward(this.spec, this.params, x, options), y);
    if (this.config.l2 === 0) return data;
    const kernels = this.#params.filter((_, i) => this.paramTable[i].role === 'kernel');
    return tf.add(data, tf.mul(this.config.l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar;
  }
}
