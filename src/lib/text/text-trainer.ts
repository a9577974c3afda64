import * as tf from '@tensorflow/tfjs';
import { isLiveChange, type TrainConfig } from '../engine/config.ts';
import { Rng } from '../engine/rng.ts';
import { learningRateAt } from '../engine/schedules.ts';
import type { Evaluation, KernelPath, TrainerProgress } from '../engine/trainer.ts';
import type { RunState, TextRunIdentity, TrainerLike } from '../engine/trainer-like.ts';
import type { TokenWindows } from './data/windows.ts';
import { evaluationWindows, trainingWindows, type TextDataset } from './data/text-datasets.ts';
import { applyAdamW, captureAdamWState, createAdamWState, DEFAULT_ADAMW, disposeAdamWState, restoreAdamWState, type AdamWState } from './model/adamw.ts';
import { clipByGlobalNorm } from './model/clip.ts';
import { crossEntropyLoss, textForward } from './model/gpt-forward.ts';
import { initialTextValues, textParamCount, textParamSpecs, type TextModelSpec, type TextParamSpec } from './model/gpt-spec.ts';
import { attentionMaps, sampleTokens } from './model/sample.ts';
import { textDropoutSeed } from './model/train-step.ts';
import { answerToyExamples, type ToyAnswer } from './toy-exact-match.ts';

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

/**
 * Trains the text demo's bigram or transformer on TensorFlow.js ops, with the surface the
 * worker drives (TrainerLike). Batches are seeded random windows whose RNG state is the
 * progress's `epochRngState`, so a restored run draws the very next batch; the loss is in nats.
 */
export class TextTrainer implements TrainerLike {
  readonly kernelPath: KernelPath = { kind: 'tfjs', reason: 'the transformer has no fused kernels yet' };
  readonly source: TextRunSource;
  readonly spec: TextModelSpec;
  readonly paramTable: TextParamSpec[];
  #config: TrainConfig;
  #params: tf.Variable[];
  #optimizer: AdamWState;
  #progress: TrainerProgress;
  #pendingLosses: tf.Scalar[] = [];
  #lossHistory: number[] = [];
  readonly #heldOut: TokenWindows;
  /** The newest evaluation's answers to held-out toy questions; empty for names and custom text. */
  toyAnswers: ToyAnswer[] = [];

  private constructor(config: TrainConfig, source: TextRunSource, values?: Float32Array[], optimizer?: AdamWState) {
    this.#config = config;
    this.source = source;
    this.spec = textModelSpec(config, source.dataset.vocab.size);
    this.paramTable = textParamSpecs(this.spec);
    const initial = values ?? initialTextValues(this.spec, config.seed);
    this.#params = this.paramTable.map((p, i) => tf.tidy(() => tf.variable(tf.tensor(initial[i], p.shape, 'float32'), true)));
    this.#optimizer = optimizer ?? createAdamWState(this.paramTable);
    this.#heldOut = evaluationWindows(source.dataset, config.context, HELD_OUT_WINDOWS);
    this.#progress = { step: 0, epoch: 0, cursor: 0, epochRngState: Rng.seeded(config.seed, 'text-windows').state, evaluations: [] };
  }

  static create(config: TrainConfig, source: TextRunSource): TextTrainer {
    return new TextTrainer(config, source);
  }

  /** Continues a captured run exactly; refuses one whose text or vocabulary is not this dataset's. */
  static async restore(config: TrainConfig, source: TextRunSource, saved: RunState): Promise<TextTrainer> {
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
    const optimizer = await restoreAdamWState(table, saved.tensors);
    const trainer = new TextTrainer(config, source, values, optimizer);
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
    return this.#pendingLosses.length;
  }
  get params(): readonly tf.Variable[] {
    return this.#params;
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
    const loss = tf.tidy(() => {
      const inputs = tf.tensor2d(windows.inputs, [batchSize, context], 'int32');
      const targets = tf.tensor2d(windows.targets, [batchSize, context], 'int32');
      const options = { dropout: spec.kind === 'gpt' ? spec.dropout : 0, dropoutSeed: textDropoutSeed(seed, progress.step) };
      const { value, grads } = tf.variableGrads(() => crossEntropyLoss(textForward(spec, this.#params, inputs, options), targets), this.#params);
      const ordered = this.#params.map((p) => grads[p.name]);
      const clipped = gradClip > 0 ? clipByGlobalNorm(ordered, gradClip).grads : ordered;
      applyAdamW(this.#params, clipped, this.#optimizer, this.paramTable, learningRate, { ...DEFAULT_ADAMW, weightDecay });
      return value;
    });
    this.#pendingLosses.push(loss);
    progress.epochRngState = rng.state;
    progress.step += 1;
    progress.epoch = Math.floor((progress.step * this.tokensPerStep) / this.source.dataset.trainTokens.length);
  }

  async readLosses(): Promise<Float32Array> {
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
    const lossTensor = tf.tidy(() => {
      const { inputs, targets } = this.#heldOutTensors(this.#heldOut.batch);
      return crossEntropyLoss(textForward(this.spec, this.#params, inputs), targets);
    });
    const testLoss = (await lossTensor.data())[0];
    lossTensor.dispose();
    const evaluation: Evaluation = { step: this.#progress.step, testLoss };
    const examples = this.source.dataset.examples.slice(0, TOY_EVAL_EXAMPLES);
    if (examples.length > 0) {
      this.toyAnswers = await answerToyExamples(this.spec, this.#params, this.source.dataset.vocab, examples);
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
    const tokens = await sampleTokens(this.spec, this.#params, { prompt: start, length, temperature, seed: sampleSeedAt(this.#config.seed, this.step) });
    const sample: TextSample = { step: this.step, prompt, text: vocab.decode(tokens), skipped };
    if (this.spec.kind === 'gpt') {
      const shown = [...start, ...tokens].slice(0, Math.min(ATTENTION_CHARS, this.spec.context));
      sample.attention = { chars: shown.map((id) => vocab.chars[id]), maps: await attentionMaps(this.spec, this.#params, shown) };
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
      tensors: [...this.#params.map((p, i) => ({ name: this.paramTable[i].name, tensor: p.clone() })), ...captureAdamWState(this.#optimizer, this.paramTable)],
      text,
    };
  }

  dispose(): void {
    tf.dispose([...this.#params, ...this.#pendingLosses]);
    disposeAdamWState(this.#optimizer);
    this.#pendingLosses = [];
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
