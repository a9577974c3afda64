// In-page checks of the fused GPT training step (src/lib/text/model/gpt-kernels/) against
// TensorFlow.js's ops on the CPU, from the same weights, batches and dropout masks.
// test/browser/gpt-kernels.spec.ts calls them through window.lib.gptKernelChecks in Chromium;
// test/firefox/gpt-kernels.test.ts calls the same functions. Each returns measurements; the
// specs assert.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/lib/engine/rng.ts';
import { webgpuDevice } from '../../src/lib/models/mlp-kernels/kernel-path.ts';
import { applyAdamW, createAdamWState, DEFAULT_ADAMW, disposeAdamWState } from '../../src/lib/text/model/adamw.ts';
import { clipByGlobalNorm } from '../../src/lib/text/model/clip.ts';
import { crossEntropyLoss, gptForward } from '../../src/lib/text/model/gpt-forward.ts';
import { attentionMaps, tfjsLastLogits } from '../../src/lib/text/model/sample.ts';
import { initialTextValues, textParamSpecs, type GptSpec } from '../../src/lib/text/model/gpt-spec.ts';
import { GptFusedStep } from '../../src/lib/text/model/gpt-kernels/gpt-fused-step.ts';
import { gptLayout } from '../../src/lib/text/model/gpt-kernels/gpt-layout.ts';
import { relativeDifference } from './mlp-kernel-checks.ts';
import { defaultConfig, parseConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import type { KernelChoice } from '../../src/lib/engine/backend-names.ts';
import type { RunState } from '../../src/lib/engine/trainer-like.ts';
import { buildTextDataset, DEFAULT_TEXT_DATA_CONFIG } from '../../src/lib/text/data/index.ts';
import { TextTrainer, type TextRunSource } from '../../src/lib/text/text-trainer.ts';
import { DatasetSource } from '../../src/lib/worker/dataset-source.ts';
import { MNIST_ASSET_PATH } from '../../src/lib/datasets/mnist.ts';

async function useBackend(name: 'webgpu' | 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`The ${name} backend did not initialise; the test browser needs --enable-unsafe-webgpu.`);
}

/** A small transformer with every part switched on: two layers, two heads, dropout. */
export const CHECK_SPEC: GptSpec = { kind: 'gpt', vocabSize: 13, context: 8, layers: 2, heads: 2, width: 16, dropout: 0.1 };
const CHECK_BATCH = 3;

/** nanoGPT's initial values with every tensor (gains and biases too) moved off its start, so no gradient is trivially zero. */
function perturbedValues(spec: GptSpec, seed: number): Float32Array[] {
  const rng = Rng.seeded(seed, 'gpt-check');
  return initialTextValues(spec, seed).map((values) => values.map((v) => v + 0.1 * rng.normal()));
}

function tokensOf(spec: GptSpec, rows: number, seed: number): { inputs: Int32Array; targets: Int32Array } {
  const rng = Rng.seeded(seed, 'gpt-check-tokens');
  const draw = () => Int32Array.from({ length: rows }, () => rng.int(spec.vocabSize));
  return { inputs: draw(), targets: draw() };
}

const pack = (parts: ArrayLike<number>[]) => {
  const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) flat.set(p as ArrayLike<number>, (at += p.length) - p.length);
  return flat;
};

export interface GradientComparison {
  /** Relative difference (largest |fused − tfjs| over largest |tfjs|) of the whole gradient. */
  gradient: number;
  /** The same per parameter tensor. */
  perParam: Record<string, number>;
  loss: { fused: number; tfjs: number };
  /** AdamW's first moments after the step: (1 − β1) times the clipped gradient. */
  moments: number;
}

/**
 * One training step of CHECK_SPEC with dropout, weight decay and clipping on: the fused
 * step's gradients, loss and updated state against tf.variableGrads, clipByGlobalNorm and
 * applyAdamW on the CPU.
 */
export async function compareOneStep(options: { dropout?: number; gradClip?: number } = {}): Promise<GradientComparison> {
  const dropout = options.dropout ?? 0.1;
  const gradClip = options.gradClip ?? 1;
  // The key bias's exact gradient is zero (a shift of every score in a row), so both paths
  // compute rounding noise there, and Adam turns noise into a full ±lr step: the updated
  // params are no measure of agreement. The moments are, and are compared instead.
  const spec = { ...CHECK_SPEC, dropout };
  const table = textParamSpecs(spec);
  const values = perturbedValues(spec, 5);
  const layout = gptLayout(spec, CHECK_BATCH);
  const { inputs, targets } = tokensOf(spec, layout.rows, 9);
  const step = { inputs, targets, learningRate: 0.01, weightDecay: 0.1, gradClip, dropout, dropoutSeed: 4242 };

  await useBackend('webgpu');
  const fused = new GptFusedStep(webgpuDevice(), layout);
  let fusedGrads: Float32Array, fusedState: Float32Array, fusedLoss: number;
  try {
    await fused.ready();
    fused.writeState(pack(values));
    fused.enqueue(step);
    fusedLoss = (await fused.readLosses())[0];
    fusedGrads = await fused.readGradients();
    fusedState = await fused.readState();
  } finally {
    fused.dispose();
  }

  await useBackend('cpu');
  const params = table.map((p, i) => tf.variable(tf.tensor(values[i], p.shape), true));
  const optimizer = createAdamWState(table);
  const inputsT = tf.tensor2d(inputs, [CHECK_BATCH, spec.context], 'int32');
  const targetsT = tf.tensor2d(targets, [CHECK_BATCH, spec.context], 'int32');
  try {
    const { loss, grads } = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropyLoss(gptForward(spec, params, inputsT, { dropout, dropoutSeed: step.dropoutSeed }), targetsT), params);
      const ordered = params.map((p) => grads[p.name]);
      const clipped = gradClip > 0 ? clipByGlobalNorm(ordered, gradClip).grads : ordered;
      applyAdamW(params, clipped, optimizer, table, step.learningRate, { ...DEFAULT_ADAMW, weightDecay: step.weightDecay });
      return { loss: value, grads: ordered.map((g) => tf.keep(g)) };
    });
    const reference = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
    const perParam: Record<string, number> = {};
    table.forEach((p, i) => {
      const at = layout.params[i].offset;
      perParam[p.name] = relativeDifference(fusedGrads.subarray(at, at + layout.params[i].size), reference[i]);
    });
    const P = layout.paramCount;
    const m = pack(await Promise.all(optimizer.m.map((t) => t.data() as Promise<Float32Array>)));
    const result = {
      gradient: relativeDifference(fusedGrads, pack(reference)),
      perParam,
      loss: { fused: fusedLoss, tfjs: (await loss.data())[0] },
      moments: relativeDifference(fusedState.subarray(P, 2 * P), m),
    };
    tf.dispose([loss, ...grads]);
    return result;
  } finally {
    tf.dispose([...params, inputsT, targetsT]);
    disposeAdamWState(optimizer);
    await useBackend('webgpu');
  }
}

export interface ForwardComparison {
  /** Held-out style loss of full windows, fused vs tfjs ops on the CPU, relative. */
  loss: number;
  /** Logits after the last token of windows shorter than the context (sampling, greedy answers). */
  lastLogits: number;
  /** Every layer's attention probabilities for one short window. */
  attention: number;
}

/** The fused forward passes (evaluation, sampling, answers, the attention picture) against tfjs ops on the CPU, same params. */
export async function compareForward(): Promise<ForwardComparison> {
  const spec = CHECK_SPEC;
  const table = textParamSpecs(spec);
  const values = perturbedValues(spec, 6);
  const layout = gptLayout(spec, CHECK_BATCH);
  const { inputs, targets } = tokensOf(spec, layout.rows, 10);
  const windows = [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [0, 12, 6, 6, 7]];
  const window = [3, 1, 4, 1, 5, 9];
  await useBackend('webgpu');
  const fused = new GptFusedStep(webgpuDevice(), layout);
  let fusedLoss: number, fusedLogits: Float32Array, fusedMaps: number[][][][];
  try {
    fused.writeState(pack(values));
    fusedLoss = await fused.forward(CHECK_BATCH, true).loss(inputs, targets);
    fusedLogits = await fused.forward(windows.length, false).lastLogits(windows);
    fusedMaps = await fused.forward(1, false).attention(window);
  } finally {
    fused.dispose();
  }
  await useBackend('cpu');
  const params = table.map((p, i) => tf.tensor(values[i], p.shape));
  try {
    const lossTensor = tf.tidy(() => crossEntropyLoss(gptForward(spec, params, tf.tensor2d(inputs, [CHECK_BATCH, spec.context], 'int32')), tf.tensor2d(targets, [CHECK_BATCH, spec.context], 'int32')));
    const loss = (await lossTensor.data())[0];
    lossTensor.dispose();
    const logits = await tfjsLastLogits(spec, params)(windows);
    const maps = await attentionMaps(spec, params, window);
    return {
      loss: Math.abs(fusedLoss - loss) / loss,
      lastLogits: relativeDifference(fusedLogits, logits),
      attention: relativeDifference(fusedMaps.flat(3), maps.flat(3)),
    };
  } finally {
    tf.dispose(params);
    await useBackend('webgpu');
  }
}

// ---- Through the TextTrainer, as the app trains: a toy task, the small transformer above ----

/** The Text demo's settings for the checks: the small transformer, dropout, weight decay and clipping on. */
export function checkConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return parseConfig({
    ...defaultConfig('text'),
    dataset: 'reverse',
    context: CHECK_SPEC.context,
    layers: CHECK_SPEC.layers,
    heads: CHECK_SPEC.heads,
    width: CHECK_SPEC.width,
    dropout: 0.1,
    batchSize: 4,
    learningRate: 0.003,
    warmupSteps: 10,
    decaySteps: 300,
    ...overrides,
  });
}

function checkSource(config: TrainConfig): TextRunSource {
  const data = { ...DEFAULT_TEXT_DATA_CONFIG, textDataset: 'reverse' as const, seed: config.seed, testFraction: config.testFraction, taskLength: config.taskLength, taskDigits: config.taskDigits };
  return { dataset: buildTextDataset(data) };
}

async function trainText(trainer: TextTrainer, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) trainer.trainStep();
  await trainer.readLosses();
}

async function textParams(trainer: TextTrainer): Promise<Float32Array> {
  return pack(await Promise.all(trainer.params.map((p) => p.data() as Promise<Float32Array>)));
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const wb = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return a.length === b.length && wa.every((w, i) => w === wb[i]);
}

async function textRun(backend: 'webgpu' | 'cpu', kernels: KernelChoice, steps: number, overrides: Partial<TrainConfig> = {}): Promise<{ path: string; losses: Float32Array; params: Float32Array }> {
  await useBackend(backend);
  const config = checkConfig(overrides);
  const trainer = TextTrainer.create(config, checkSource(config), { kernels });
  try {
    await trainer.warmUp();
    await trainText(trainer, steps);
    return { path: trainer.kernelPath.kind, losses: Float32Array.from(trainer.lossHistory), params: await textParams(trainer) };
  } finally {
    trainer.dispose();
  }
}

export interface TextPathComparison {
  kernelPath: string;
  /** Losses of `steps` steps, fused on WebGPU vs tfjs ops on the CPU, relative to the largest. */
  losses: number;
  steps: number;
}

/**
 * `steps` steps of the check config fused on WebGPU and on tfjs ops on the CPU, from the same
 * weights, windows and masks. At the Text demo's learning rate (0.003) they agreed within
 * 4.2e-7 over 200 steps. Runs that amplify rounding drift apart later, with no error in
 * either path: at 0.01, at batch 8, or without dropout, the first step 1e-4 apart was 71, 138
 * and 83 (one step's gradients still agree within 3e-7). The key bias, whose exact gradient
 * is zero, takes ±lr Adam steps of rounding noise on both paths, and the runs' rounding then
 * grows step by step like any chaotic system's.
 */
export async function compareTrainerWithTfjsOps(steps = 200, overrides: Partial<TrainConfig> = {}, referenceBackend: 'cpu' | 'webgpu' = 'cpu', kernels: KernelChoice = 'auto'): Promise<TextPathComparison> {
  const fused = await textRun('webgpu', kernels, steps, overrides);
  const reference = await textRun(referenceBackend, 'tfjs', steps, overrides);
  await useBackend('webgpu');
  return { kernelPath: fused.path, losses: relativeDifference(fused.losses, reference.losses), steps };
}

/** Two fused runs of the check config: bit-identical losses and weights? */
export async function fusedTextRunsAreIdentical(steps = 100): Promise<boolean> {
  const a = await textRun('webgpu', 'auto', steps);
  const b = await textRun('webgpu', 'auto', steps);
  return a.path === 'fused' && sameBits(a.losses, b.losses) && sameBits(a.params, b.params);
}

/** Captured tensors as plain values, so they can be rebuilt on either backend (as a checkpoint is). */
async function detachText(state: RunState) {
  const tensors = await Promise.all(state.tensors.map(async (t) => ({ name: t.name, shape: t.tensor.shape, dtype: t.tensor.dtype, values: await t.tensor.data() })));
  tf.dispose(state.tensors.map((t) => t.tensor));
  return { ...state, tensors };
}

async function restoreText(backend: 'webgpu' | 'cpu', kernels: KernelChoice, saved: Awaited<ReturnType<typeof detachText>>): Promise<TextTrainer> {
  await useBackend(backend);
  const config = checkConfig();
  const tensors = saved.tensors.map((t) => ({ name: t.name, tensor: tf.tensor(t.values, t.shape, t.dtype) }));
  try {
    return await TextTrainer.restore(config, checkSource(config), { ...saved, tensors }, { kernels });
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

export interface TextResumeComparison {
  resumedPath: string;
  /** Captured fused at `at`, restored fused, continued to `steps`: bit-identical to never stopping? */
  fusedResumeIsExact: boolean;
  /** Captured fused, continued with tfjs ops on the CPU: losses vs the uninterrupted fused run. */
  fusedToCpu: number;
  /** Captured on the CPU, continued fused: losses vs the uninterrupted CPU run. */
  cpuToFused: number;
}

export async function compareTextResumes(at = 50, steps = 100): Promise<TextResumeComparison> {
  const config = checkConfig();
  const captureAfter = async (backend: 'webgpu' | 'cpu', kernels: KernelChoice) => {
    await useBackend(backend);
    const trainer = TextTrainer.create(config, checkSource(config), { kernels });
    await trainText(trainer, at);
    const saved = await detachText(await trainer.captureState());
    trainer.dispose();
    return saved;
  };
  const continueRun = async (backend: 'webgpu' | 'cpu', kernels: KernelChoice, saved: Awaited<ReturnType<typeof detachText>>) => {
    const trainer = await restoreText(backend, kernels, saved);
    try {
      await trainText(trainer, steps - at);
      return { path: trainer.kernelPath.kind, losses: Float32Array.from(trainer.lossHistory), params: await textParams(trainer) };
    } finally {
      trainer.dispose();
    }
  };
  const fusedWhole = await textRun('webgpu', 'auto', steps);
  const cpuWhole = await textRun('cpu', 'tfjs', steps);
  const fusedSaved = await captureAfter('webgpu', 'auto');
  const fusedResumed = await continueRun('webgpu', 'auto', fusedSaved);
  const fusedOnCpu = await continueRun('cpu', 'tfjs', fusedSaved);
  const cpuSaved = await captureAfter('cpu', 'tfjs');
  const cpuOnFused = await continueRun('webgpu', 'auto', cpuSaved);
  await useBackend('webgpu');
  return {
    resumedPath: fusedResumed.path,
    fusedResumeIsExact: sameBits(fusedResumed.losses, fusedWhole.losses) && sameBits(fusedResumed.params, fusedWhole.params),
    fusedToCpu: relativeDifference(fusedOnCpu.losses, fusedWhole.losses),
    cpuToFused: relativeDifference(cpuOnFused.losses, cpuWhole.losses),
  };
}

/** tfjs tensors and our GPU buffers after each of `rounds` rounds of `steps` fused steps, with a sample and a capture in between, as the app does. */
export async function textResourceCounts(rounds = 10, steps = 50): Promise<{ tensors: number[]; gpuBuffers: number[] }> {
  await useBackend('webgpu');
  const config = checkConfig();
  const trainer = TextTrainer.create(config, checkSource(config));
  const counts = { tensors: [] as number[], gpuBuffers: [] as number[] };
  try {
    await trainer.warmUp();
    for (let r = 0; r < rounds; r++) {
      await trainText(trainer, steps);
      await trainer.evaluate();
      await trainer.sample('ab', 1, 8);
      tf.dispose((await trainer.captureState()).tensors.map((t) => t.tensor));
      counts.tensors.push(tf.memory().numTensors);
      counts.gpuBuffers.push(GptFusedStep.liveBufferCount);
    }
    return counts;
  } finally {
    trainer.dispose();
  }
}

/** The path and reason a Text run of these settings gets on WebGPU with kernels=auto. */
export async function textKernelPathFor(overrides: Partial<TrainConfig>): Promise<{ kind: string; reason?: string }> {
  await useBackend('webgpu');
  const config = checkConfig(overrides);
  const trainer = TextTrainer.create(config, checkSource(config));
  const path = trainer.kernelPath;
  trainer.dispose();
  return path.kind === 'fused' ? { kind: 'fused' } : { kind: 'tfjs', reason: path.reason };
}

/**
 * The README's WebGPU reference (test/browser/text-reference-webgpu.spec.ts, manual): the
 * default Text model on the city names for `steps` steps as the app trains it, logging the
 * held-out bits per character, the time and a sample every 200 steps. Returns the last bits.
 */
export async function trainDefaultTextModel(steps: number): Promise<number> {
  await useBackend('webgpu');
  const config = defaultConfig('text');
  // The app's own loader: the city names from our origin, beside the digits asset.
  const source = new DatasetSource();
  source.mnistUrl = new URL(`/${MNIST_ASSET_PATH}`, location.origin).href;
  const trainer = TextTrainer.create(config, await source.buildText(config));
  const started = performance.now();
  let bits = NaN;
  try {
    await trainer.warmUp();
    console.log(`path ${trainer.kernelPath.kind}, compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    while (trainer.step < steps) {
      await trainText(trainer, Math.min(100, steps - trainer.step));
      if (trainer.step % 200 !== 0 && trainer.step < steps) continue;
      const { evaluation } = await trainer.evaluate();
      bits = evaluation.testLoss / Math.LN2;
      const sample = await trainer.sample('\n', 0.8, 60);
      const seconds = (performance.now() - started) / 1000;
      console.log(`step ${trainer.step}: held-out ${bits.toFixed(3)} bits/char, ${seconds.toFixed(0)} s; sample: ${JSON.stringify(sample.text)}`);
    }
  } finally {
    trainer.dispose();
  }
  return bits;
}
