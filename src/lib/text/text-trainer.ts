import * as tf from '@tensorflow/tfjs';
import { isLiveChange, type TrainConfig } from '../engine/config.ts';
import { Rng } from '../engine/rng.ts';
import type { NamedTensor } from '../engine/optimizers.ts';
import { learningRateAt } from '../engine/schedules.ts';
import type { Evaluation, KernelPath, TrainerProgress } from '../engine/trainer.ts';
import type { RunState, TextRunIdentity, TrainerLike } from '../engine/trainer-like.ts';
import type { TokenWindows } from './data/windows.ts';
import { evaluationWindows, trainingWindows, type TextDataset } from './data/text-datasets.ts';
import { adamWNames, adamWStateFromValues, applyAdamW, captureAdamWState, createAdamWState, DEFAULT_ADAMW, disposeAdamWState, readAdamWValues, type AdamWState, type AdamWValues } from './model/adamw.ts';
import { clipByGlobalNorm } from './model/clip.ts';
import { crossEntropyLoss, textForward } from './model/gpt-forward.ts';
import { initialTextValues, textParamCount, textParamSpecs, type TextModelSpec, type TextParamSpec } from './model/gpt-spec.ts';
import { attentionMaps, sampleTokensWith, tfjsLastLogits, type LastLogits } from './model/sample.ts';
import { textDropoutSeed } from './model/train-step.ts';
import { GptFusedStep } from './model/gpt-kernels/gpt-fused-step.ts';
import { gptLayout } from './model/gpt-kernels/gpt-layout.ts';
import { chooseTextKernelPath } from './model/gpt-kernels/text-kernel-path.ts';
import { webgpuDevice, type KernelChoice } from '../models/mlp-kernels/kernel-path.ts';
import { answerToyExamplesWith, type ToyAnswer } from './toy-exact-match.ts';

/** Held-out windows scored at every evaluation: the same tokens every time, so the curve is comparable. */
const HELD_OUT_WINDOWS = 64;
/** Held-out toy questions answered at every evaluation. */
const TOY_EVAL_EXAMPLES = 64;
/** Characters per sample: a few names, and quick enough to draw every few seconds. */
export const SAMPLE_LENGTH = 80;
/** Characters the attention picture shows: enough for a name, few enough to read each cell. */
export const ATTENTION_CHARS = 12;

/** The text a run learns, and for the student's own text the text as validated (kept for the checkpoint). */
export interface TextRunSource {
  dataset: TextDataset;
  customText?: string;
}

export interface TextSample {
  step: number;
  prompt: string;
  text: string;
  /** Prompt characters the model has never seen, left out. */
  skipped: string[];
  /** Transformer only: how each of the first characters (prompt, then sample) attends to earlier ones, [layer][head][query][key]. */
  attention?: { chars: string[]; maps: number[][][][] };
}

/** The model a config describes, for a vocabulary of `vocabSize` characters. */
export function textModelSpec(config: TrainConfig, vocabSize: number): TextModelSpec {
  if (config.model === 'bigram') return { kind: 'bigram', vocabSize };
  return { kind: 'gpt', vocabSize, context: config.context, layers: config.layers, heads: config.heads, width: config.width, dropout: config.dropout };
}

/** Each (seed, step) samples its own way, so the same checkpoint, seed and prompt give the same text. */
export const sampleSeedAt = (seed: number, step: number) => (Math.imul(seed + 7, 0x27d4eb2d) ^ Math.imul(step + 1, 0x165667b1)) >>> 0;

/** How a text run trains: 'auto' (fused kernels where they cover it) or 'tfjs' (the reference path). */
export interface TextTrainerOptions {
  kernels?: KernelChoice;
}

/** Concatenates per-tensor values in parameter-table order, as the fused step packs them. */
const packed = (parts: readonly Float32Array[]) => {
  const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) flat.set(p, (at += p.length) - p.length);
  return flat;
};

/**
 * Trains the text demo's bigram or transformer with the surface the worker drives
 * (TrainerLike): on WebGPU the transformer trains in our fused kernels (gpt-kernels/), its
 * params and AdamW moments in GPU buffers; otherwise on TensorFlow.js ops. Batches are
 * seeded random windows whose RNG state is the progress's `epochRngState`, so a restored run
 * draws the very next batch; the loss is in nats.
 */
export class TextTrainer implements TrainerLike {
  readonly kernelPath: KernelPath;
  readonly source: TextRunSource;
  readonly spec: TextModelSpec;
  readonly paramTable: TextParamSpec[];
  #config: TrainConfig;
  /** The tfjs path's variables; empty on the fused path. */
  #params: tf.Variable[] = [];
  #optimizer: AdamWState | null = null;
  /** The fused path's step, which owns params and moments; null on the tfjs path. */
  #fused: GptFusedStep | null = null;
  /** Tensors viewing the fused params as of the last step, made when asked for and dropped by the next step. */
  #paramViews: tf.Tensor[] | null = null;
  #progress: TrainerProgress;
  #pendingLosses: tf.Scalar[] = [];
  #lossHistory: number[] = [];
  readonly #heldOut: TokenWindows;
  /** The newest evaluation's answers to held-out toy questions; empty for names and custom text. */
  toyAnswers: ToyAnswer[] = [];

  private constructor(config: TrainConfig, source: TextRunSource, options: TextTrainerOptions, values?: Float32Array[], optimizer?: AdamWValues) {
    this.#config = config;
    this.source = source;
    this.spec = textModelSpec(config, source.dataset.vocab.size);
    this.paramTable = textParamSpecs(this.spec);
    this.kernelPath = chooseTextKernelPath(this.spec, config.batchSize, options.kernels ?? 'auto');
    const initial = values ?? initialTextValues(this.spec, config.seed);
    if (this.kernelPath.kind === 'fused' && this.spec.kind === 'gpt') {
      this.#fused = new GptFusedStep(webgpuDevice(), gptLayout(this.spec, config.batchSize));
      this.#fused.writeState(packed(initial), optimizer && { m: packed(optimizer.m), v: packed(optimizer.v), step: optimizer.step });
    } else {
      this.#params = this.paramTable.map((p, i) => tf.tidy(() => tf.variable(tf.tensor(initial[i], p.shape, 'float32'), true)));
      this.#optimizer = optimizer ? adamWStateFromValues(this.paramTable, optimizer) : createAdamWState(this.paramTable);
    }
    this.#heldOut = evaluationWindows(source.dataset, config.context, HELD_OUT_WINDOWS);
    this.#progress = { step: 0, epoch: 0, cursor: 0, epochRngState: Rng.seeded(config.seed, 'text-windows').state, evaluations: [] };
  }

  static create(config: TrainConfig, source: TextRunSource, options: TextTrainerOptions = {}): TextTrainer {
    return new TextTrainer(config, source, options);
  }

  /** Continues a captured run exactly; refuses one whose text or vocabulary is not this dataset's. */
  static async restore(config: TrainConfig, source: TextRunSource, saved: RunState, options: TextTrainerOptions = {}): Promise<TextTrainer> {
    const identity = saved.text;
    const { dataset } = source;
    if (!identity) throw new Error('This checkpoint has no record of the text it learned, so it cannot be resumed as a text run.');
    if (identity.fingerprint !== dataset.fingerprint || JSON.stringify(identity.vocab) !== JSON.stringify(dataset.vocab.toJSON())) {
      throw new Error(
        `The ${identity.dataset} text has changed since this run was saved (its fingerprint was ${identity.fingerprint}, now ${dataset.fingerprint}), ` +
          'so resuming would train on different text. Start a new run, or open the run in the version of the app that saved it.',
      );
    }
    const table = textParamSpecs(textModelSpec(config, dataset.vocab.size));
    const byName = new Map(saved.tensors.map((t) => [t.name, t.tensor]));
    const values = await Promise.all(
      table.map(async (p) => {
        const tensor = byName.get(p.name);
        if (!tensor) throw new Error(`The checkpoint has no weights for ${p.name}; it was saved from a different model.`);
        if (!tf.util.arraysEqual(tensor.shape, p.shape)) throw new Error(`The checkpoint's ${p.name} has shape [${tensor.shape}] but this model expects [${p.shape}].`);
        return (await tensor.data()) as Float32Array;
      }),
    );
    const optimizer = await readAdamWValues(table, saved.tensors);
    const trainer = new TextTrainer(config, source, options, values, optimizer);
    trainer.#progress = structuredClone(saved.progress);
    trainer.#lossHistory = Array.from(saved.lossHistory);
    return trainer;
  }

  get config(): TrainConfig {
    return this.#config;
  }
  get step(): number {
    return this.#progress.step;
  }
  /** Passes over the training text, counted in tokens read. */
  get epoch(): number {
    return this.#progress.epoch;
  }
  get progress(): Readonly<TrainerProgress> {
    return this.#progress;
  }
  get lossHistory(): readonly number[] {
    return this.#lossHistory;
  }
  get learningRate(): number {
    return learningRateAt(this.#progress.step, this.#config);
  }
  get pendingLossCount(): number {
    return this.#fused ? this.#fused.pendingLossCount : this.#pendingLosses.length;
  }
  /** The current params in table order; on the fused path, tensors the trainer owns until the next step. */
  get params(): readonly tf.Tensor[] {
    if (!this.#fused) return this.#params;
    // Kept: the first reader may be inside a tf.tidy, which would otherwise dispose them.
    return (this.#paramViews ??= this.#fused.paramTensors().map((t) => tf.keep(t)));
  }
  get paramCount(): number {
    return textParamCount(this.spec);
  }
  /** Characters each step trains on. */
  get tokensPerStep(): number {
    return this.#config.batchSize * this.#config.context;
  }

  updateLiveSettings(next: TrainConfig): void {
    if (!isLiveChange(this.#config, next)) throw new Error('Only the learning rate, schedule, decay and warm-up steps, weight decay, clipping and dropout can change during a run; start a new run for other changes.');
    this.#config = next;
  }

  /**
   * One step, as nanoGPT's loop: 1. draw the next windows, 2. loss and gradients with this
   * step's dropout masks, 3. clip to the global norm, 4. AdamW at the schedule's rate.
   */
  trainStep(): void {
    const progress = this.#progress;
    const { batchSize, context, seed, gradClip, weightDecay } = this.#config;
    const rng = Rng.fromState(progress.epochRngState);
    const windows = trainingWindows(this.source.dataset, context, batchSize, rng);
    const learningRate = learningRateAt(progress.step, this.#config);
    const spec = this.#liveSpec();
    if (this.#fused) {
      this.#dropParamViews();
      this.#fused.enqueue({
        inputs: windows.inputs,
        targets: windows.targets,
        learningRate,
        weightDecay,
        gradClip,
        dropout: spec.kind === 'gpt' ? spec.dropout : 0,
        dropoutSeed: textDropoutSeed(seed, progress.step),
      });
      this.#advance(rng);
      return;
    }
    const loss = tf.tidy(() => {
      const inputs = tf.tensor2d(windows.inputs, [batchSize, context], 'int32');
      const targets = tf.tensor2d(windows.targets, [batchSize, context], 'int32');
      const options = { dropout: spec.kind === 'gpt' ? spec.dropout : 0, dropoutSeed: textDropoutSeed(seed, progress.step) };
      const { value, grads } = tf.variableGrads(() => crossEntropyLoss(textForward(spec, this.#params, inputs, options), targets), this.#params);
      const ordered = this.#params.map((p) => grads[p.name]);
      const clipped = gradClip > 0 ? clipByGlobalNorm(ordered, gradClip).grads : ordered;
      applyAdamW(this.#params, clipped, this.#optimizer!, this.paramTable, learningRate, { ...DEFAULT_ADAMW, weightDecay });
      return value;
    });
    this.#pendingLosses.push(loss);
    this.#advance(rng);
  }

  /** Resolves when the GPU is within one submit of the steps queued; null when it is (or on the tfjs path). */
  gpuBacklog(): Promise<void> | null {
    return this.#fused?.backlog() ?? null;
  }

  #advance(rng: Rng): void {
    const progress = this.#progress;
    progress.epochRngState = rng.state;
    progress.step += 1;
    progress.epoch = Math.floor((progress.step * this.tokensPerStep) / this.source.dataset.trainTokens.length);
  }

  async readLosses(): Promise<Float32Array> {
    if (this.#fused) {
      const values = await this.#fused.readLosses();
      for (const v of values) this.#lossHistory.push(v);
      return values;
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

  /** Compiles the forward and backward shaders once before the first timed step; changes no state. */
  async warmUp(): Promise<void> {
    if (this.#fused) return this.#fused.ready();
    const outputs = tf.tidy(() => {
      const { inputs, targets } = this.#heldOutTensors(1);
      const { value, grads } = tf.variableGrads(() => crossEntropyLoss(textForward(this.spec, this.#params, inputs), targets), this.#params);
      return [value, ...Object.values(grads)];
    });
    await Promise.all(outputs.map((t) => t.data()));
    tf.dispose(outputs);
  }

  /** Held-out loss in nats; for toy tasks also exact match on held-out questions, answered greedily. */
  async evaluate(): Promise<{ evaluation: Evaluation }> {
    const testLoss = await this.#heldOutLoss();
    const evaluation: Evaluation = { step: this.#progress.step, testLoss };
    const examples = this.source.dataset.examples.slice(0, TOY_EVAL_EXAMPLES);
    if (examples.length > 0) {
      this.toyAnswers = await answerToyExamplesWith(this.spec, this.#lastLogits(), this.source.dataset.vocab, examples);
      evaluation.testAccuracy = this.toyAnswers.filter((a) => a.correct).length / this.toyAnswers.length;
    }
    const evaluations = this.#progress.evaluations;
    if (evaluations.at(-1)?.step === evaluation.step) evaluations[evaluations.length - 1] = evaluation;
    else evaluations.push(evaluation);
    return { evaluation };
  }

  /** Text from the current weights after `prompt` (unknown characters left out; empty means a newline). */
  async sample(prompt: string, temperature: number, length = SAMPLE_LENGTH): Promise<TextSample> {
    const { vocab } = this.source.dataset;
    const { ids, skipped } = vocab.encodePrompt(prompt);
    const start = ids.length > 0 ? Array.from(ids) : [Math.max(0, vocab.idOf('\n'))];
    const tokens = await sampleTokensWith(this.spec, this.#lastLogits(), { prompt: start, length, temperature, seed: sampleSeedAt(this.#config.seed, this.step) });
    const sample: TextSample = { step: this.step, prompt, text: vocab.decode(tokens), skipped };
    if (this.spec.kind === 'gpt') {
      const shown = [...start, ...tokens].slice(0, Math.min(ATTENTION_CHARS, this.spec.context));
      sample.attention = { chars: shown.map((id) => vocab.chars[id]), maps: this.#fused ? await this.#fused.forward(1, false).attention(shown) : await attentionMaps(this.spec, this.params, shown) };
    }
    return sample;
  }

  async captureState(): Promise<RunState> {
    if (this.pendingLossCount > 0) await this.readLosses();
    const { dataset, customText } = this.source;
    const text: TextRunIdentity = { dataset: dataset.name, fingerprint: dataset.fingerprint, vocab: dataset.vocab.toJSON() };
    if (customText !== undefined) text.customText = customText;
    return {
      progress: structuredClone(this.#progress),
      lossHistory: Float32Array.from(this.#lossHistory),
      tensors: await this.#stateTensors(),
      text,
    };
  }

  dispose(): void {
    tf.dispose([...this.#params, ...this.#pendingLosses]);
    if (this.#optimizer) disposeAdamWState(this.#optimizer);
    this.#dropParamViews();
    this.#fused?.dispose();
    this.#pendingLosses = [];
  }

  /** Fresh copies of the params and AdamW's state, under their checkpoint names (the caller disposes them). */
  async #stateTensors(): Promise<NamedTensor[]> {
    const table = this.paramTable;
    if (!this.#fused) return [...this.#params.map((p, i) => ({ name: table[i].name, tensor: p.clone() })), ...captureAdamWState(this.#optimizer!, table)];
    const state = await this.#fused.readState();
    const P = this.#fused.layout.paramCount;
    const slice = (base: number) => this.#fused!.layout.params.map((p) => tf.tensor(state.slice(base + p.offset, base + p.offset + p.size), p.shape, 'float32'));
    const [params, m, v] = [slice(0), slice(P), slice(2 * P)];
    return [
      ...table.map((p, i) => ({ name: p.name, tensor: params[i] })),
      ...table.map((p, i) => ({ name: adamWNames.m(p.name), tensor: m[i] })),
      ...table.map((p, i) => ({ name: adamWNames.v(p.name), tensor: v[i] })),
      { name: adamWNames.step, tensor: tf.scalar(this.#fused.adamStep, 'int32') },
    ];
  }

  /** Mean cross-entropy (nats) of the held-out windows. */
  async #heldOutLoss(): Promise<number> {
    const { batch, context, inputs, targets } = this.#heldOut;
    if (this.#fused) return this.#fused.forward(batch, true).loss(inputs.subarray(0, batch * context), targets.subarray(0, batch * context));
    const lossTensor = tf.tidy(() => {
      const held = this.#heldOutTensors(batch);
      return crossEntropyLoss(textForward(this.spec, this.params, held.inputs), held.targets);
    });
    const testLoss = (await lossTensor.data())[0];
    lossTensor.dispose();
    return testLoss;
  }

  /** The model's next-character logits, on the fused forward pass where the run trains fused. */
  #lastLogits(): LastLogits {
    const fused = this.#fused;
    return fused ? (windows) => fused.forward(windows.length, false).lastLogits(windows) : tfjsLastLogits(this.spec, this.params);
  }

  #dropParamViews(): void {
    if (this.#paramViews) tf.dispose(this.#paramViews);
    this.#paramViews = null;
  }

  /** The spec with the dropout rate of now: dropout is a live setting. */
  #liveSpec(): TextModelSpec {
    return this.spec.kind === 'gpt' ? { ...this.spec, dropout: this.#config.dropout } : this.spec;
  }

  #heldOutTensors(rows: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
    const { context, inputs, targets } = this.#heldOut;
    return {
      inputs: tf.tensor2d(inputs.subarray(0, rows * context), [rows, context], 'int32'),
      targets: tf.tensor2d(targets.subarray(0, rows * context), [rows, context], 'int32'),
    };
  }
}
