// In-page checks of the fused MLP kernels against TensorFlow.js's ops on the same device.
// test/browser/mlp-kernels.spec.ts calls them through window.lib.mlpKernelChecks in Chromium;
// the Firefox harness calls the same functions. Each returns measurements; the spec asserts.
// The checks themselves take any model (a CheckSubject); cnn-kernel-checks.ts runs them on the CNN.
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type TrainConfig, type OptimizerKind } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { decodeMnist } from '../../src/lib/datasets/mnist.ts';
import type { Dataset } from '../../src/lib/datasets/types.ts';
import { Trainer, type CapturedState, type TrainerOptions } from '../../src/lib/engine/trainer.ts';
import { FusedStep, MAX_CHUNK, mlpKernel } from '../../src/lib/models/mlp-kernels/fused-step.ts';
import { mlpLayout } from '../../src/lib/models/mlp-kernels/mlp-layout.ts';
import { targetRows, webgpuDevice } from '../../src/lib/models/mlp-kernels/kernel-path.ts';
import { modelSpecFor } from '../../src/lib/models/spec.ts';
import { ReadbackPacer } from '../../src/lib/engine/readback-pacer.ts';
import { trainOneRound } from '../../src/lib/worker/training-loop.ts';

/** `digitsLinear`: the digits demo with no hidden layer, whose per-phase step is the head dispatch alone. */
export type MlpModelName = 'spiral' | 'curve' | 'digits' | 'digitsLinear';

/** The three demos' MLPs (and the digits as a linear model) with dropout and L2 on, so every part of the kernel is exercised. */
export function configOf(model: MlpModelName, optimizer: OptimizerKind): TrainConfig {
  const demo = model === 'spiral' ? 'classify2d' : model === 'digitsLinear' ? 'digits' : model;
  const config = { ...defaultConfig(demo), optimizer, dropout: 0.2, l2: 0.001 };
  if (model === 'digitsLinear') config.hidden = [];
  if (optimizer === 'sgd' || optimizer === 'momentum') config.learningRate = demo === 'digits' ? 0.05 : 0.1;
  return config;
}

const datasets = new Map<MlpModelName, Dataset>();

async function datasetOf(model: MlpModelName, config: TrainConfig, mnistUrl: string): Promise<Dataset> {
  if (!datasets.has(model)) {
    let mnist;
    if (config.demo === 'digits') {
      const response = await fetch(mnistUrl);
      if (!response.ok) throw new Error(`The digits asset could not be loaded (${response.status} for ${mnistUrl}); run \`npm run build:data\`.`);
      mnist = decodeMnist(new Uint8Array(await response.arrayBuffer()));
    }
    datasets.set(model, buildDataset(config, { mnist }));
  }
  return datasets.get(model)!;
}

async function useBackend(name: 'webgpu' | 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`The ${name} backend did not initialise; the test browser needs --enable-unsafe-webgpu.`);
}

/** Largest |a - b| relative to the largest |b|. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`Cannot compare ${a.length} values with ${b.length}.`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function flatParams(trainer: Trainer): Promise<Float32Array> {
  const parts = await Promise.all(trainer.params.map((p) => p.data() as Promise<Float32Array>));
  const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) flat.set(p, (at += p.length) - p.length);
  return flat;
}

async function train(trainer: Trainer, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) trainer.trainStep();
  await trainer.readLosses();
}

export interface PathComparison {
  kernelPath: string;
  /** The first step's gradient as the optimizer recorded it, fused vs tfjs ops, relative to the largest. */
  firstStepGradient: number;
  /** Losses of `steps` steps, fused vs tfjs ops. */
  losses: number;
  steps: number;
}

/** A config and its data to check the fused path on, and where its TensorFlow.js ops reference runs. */
export interface CheckSubject {
  config: TrainConfig;
  dataset: Dataset;
  /** WebGPU for the MLPs; the CPU for the CNN, whose tfjs ops take seconds per step on a software WebGPU. */
  reference: 'webgpu' | 'cpu';
}

async function subjectOf(model: MlpModelName, optimizer: OptimizerKind, mnistUrl: string): Promise<CheckSubject> {
  const config = configOf(model, optimizer);
  return { config, dataset: await datasetOf(model, config, mnistUrl), reference: 'webgpu' };
}

/** The fused step against the tfjs ops path on WebGPU, from the same weights, batches and masks. */
export async function compareWithTfjsOps(model: MlpModelName, optimizer: OptimizerKind, steps = 200, mnistUrl = '/data/mnist.bin'): Promise<PathComparison> {
  return compareSubjectWithTfjsOps(await subjectOf(model, optimizer, mnistUrl), steps);
}

export async function compareSubjectWithTfjsOps({ config, dataset, reference }: CheckSubject, steps: number): Promise<PathComparison> {
  const runPath = async (backend: 'webgpu' | 'cpu', options: TrainerOptions) => {
    await useBackend(backend);
    const trainer = Trainer.create(config, dataset, undefined, options);
    try {
      const before = await flatParams(trainer);
      await train(trainer, 1);
      const after = await flatParams(trainer);
      const gradient = await gradientSeenByOptimizer(trainer, after.map((v, i) => v - before[i]));
      await train(trainer, steps - 1);
      return { kind: trainer.kernelPath.kind, gradient, losses: [...trainer.lossHistory] };
    } finally {
      trainer.dispose();
    }
  };
  const fused = await runPath('webgpu', { kernels: 'auto' });
  const stock = await runPath(reference, { kernels: 'tfjs' });
  await useBackend('webgpu');
  return { kernelPath: fused.kind, firstStepGradient: relativeDifference(fused.gradient, stock.gradient), losses: relativeDifference(fused.losses, stock.losses), steps };
}

/**
 * After the first step, a fixed multiple of the gradient (of its square for RMSProp): the
 * first optimizer slot (momentum: g; Adam: (1 - beta1) g; RMSProp: (1 - decay) g²), or for
 * SGD the parameter change (-lr g). Adam's first parameter change, lr g / (|g| + epsilon),
 * is no measure: where |g| is near epsilon it magnifies rounding in g a thousandfold.
 */
async function gradientSeenByOptimizer(trainer: Trainer, delta: Float32Array): Promise<Float32Array> {
  const captured = await trainer.captureState();
  const slots = captured.tensors.filter((t) => t.name.startsWith('optimizer/slot'));
  const firstSlots = slots.sort((a, b) => Number(a.name.slice(14)) - Number(b.name.slice(14))).slice(0, trainer.params.length);
  const parts = await Promise.all(firstSlots.map((t) => t.tensor.data() as Promise<Float32Array>));
  tf.dispose(captured.tensors.map((t) => t.tensor));
  if (parts.length === 0) return delta;
  const flat = new Float32Array(delta.length);
  let at = 0;
  for (const p of parts) flat.set(p, (at += p.length) - p.length);
  return flat;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((w, i) => w === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);
}

/** Two fused runs of the same config: are their losses and final weights bit-identical? */
export async function fusedRunsAreIdentical(model: MlpModelName, optimizer: OptimizerKind, steps = 100, mnistUrl = '/data/mnist.bin'): Promise<boolean> {
  return subjectRunsAreIdentical(await subjectOf(model, optimizer, mnistUrl), steps);
}

export async function subjectRunsAreIdentical({ config, dataset }: CheckSubject, steps: number): Promise<boolean> {
  await useBackend('webgpu');
  const once = async () => {
    const trainer = Trainer.create(config, dataset);
    await train(trainer, steps);
    const result = { losses: Float32Array.from(trainer.lossHistory), params: await flatParams(trainer) };
    trainer.dispose();
    return result;
  };
  const [a, b] = [await once(), await once()];
  return sameBits(a.losses, b.losses) && sameBits(a.params, b.params);
}

/** Copies captured tensors into plain values, so they can be rebuilt on any backend. */
async function detach(captured: CapturedState): Promise<{ progress: CapturedState['progress']; lossHistory: Float32Array; tensors: { name: string; shape: number[]; dtype: tf.DataType; values: tf.TypedArray }[] }> {
  const tensors = await Promise.all(captured.tensors.map(async (t) => ({ name: t.name, shape: t.tensor.shape, dtype: t.tensor.dtype, values: await t.tensor.data() })));
  tf.dispose(captured.tensors.map((t) => t.tensor));
  return { progress: captured.progress, lossHistory: captured.lossHistory, tensors };
}

async function restoreOn(backend: 'webgpu' | 'cpu', config: TrainConfig, dataset: Dataset, saved: Awaited<ReturnType<typeof detach>>): Promise<Trainer> {
  await useBackend(backend);
  const tensors = saved.tensors.map((t) => ({ name: t.name, tensor: tf.tensor(t.values, t.shape, t.dtype) }));
  try {
    return await Trainer.restore(config, dataset, { progress: saved.progress, lossHistory: saved.lossHistory, tensors });
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

export interface ResumeComparison {
  /** Fused: capture at `at`, restore on the fused path, continue; bit-identical to never stopping? */
  fusedResumeIsExact: boolean;
  /** Captured on the fused path, resumed with tfjs ops on the CPU: losses vs the uninterrupted fused run. */
  fusedToCpu: number;
  /** Captured on the CPU (tfjs ops), resumed fused on WebGPU: losses vs the uninterrupted CPU run. */
  cpuToFused: number;
  resumedPath: string;
}

export async function compareResumes(model: MlpModelName, optimizer: OptimizerKind, at = 50, steps = 100, mnistUrl = '/data/mnist.bin'): Promise<ResumeComparison> {
  return compareSubjectResumes(await subjectOf(model, optimizer, mnistUrl), at, steps);
}

export async function compareSubjectResumes({ config, dataset }: CheckSubject, at: number, steps: number): Promise<ResumeComparison> {
  const uninterrupted = async (backend: 'webgpu' | 'cpu') => {
    await useBackend(backend);
    const trainer = Trainer.create(config, dataset);
    await train(trainer, steps);
    const result = { losses: Float32Array.from(trainer.lossHistory), params: await flatParams(trainer) };
    trainer.dispose();
    return result;
  };
  const captureAfter = async (backend: 'webgpu' | 'cpu') => {
    await useBackend(backend);
    const trainer = Trainer.create(config, dataset);
    await train(trainer, at);
    const saved = await detach(await trainer.captureState());
    trainer.dispose();
    return saved;
  };
  const resume = async (backend: 'webgpu' | 'cpu', saved: Awaited<ReturnType<typeof detach>>) => {
    const trainer = await restoreOn(backend, config, dataset, saved);
    const path = trainer.kernelPath.kind;
    await train(trainer, steps - at);
    const result = { losses: Float32Array.from(trainer.lossHistory), params: await flatParams(trainer), path };
    trainer.dispose();
    return result;
  };
  const fusedWhole = await uninterrupted('webgpu');
  const cpuWhole = await uninterrupted('cpu');
  const fusedSaved = await captureAfter('webgpu');
  const fusedResumed = await resume('webgpu', fusedSaved);
  const onCpu = await resume('cpu', fusedSaved);
  const cpuSaved = await captureAfter('cpu');
  const onFused = await resume('webgpu', cpuSaved);
  await useBackend('webgpu');
  return {
    fusedResumeIsExact: sameBits(fusedResumed.losses, fusedWhole.losses) && sameBits(fusedResumed.params, fusedWhole.params),
    fusedToCpu: relativeDifference(onCpu.losses.subarray(at), fusedWhole.losses.subarray(at)),
    cpuToFused: relativeDifference(onFused.losses.subarray(at), cpuWhole.losses.subarray(at)),
    resumedPath: fusedResumed.path,
  };
}

export interface ResourceCounts {
  tensors: number[];
  gpuBuffers: number[];
}

/** tf tensors and the fused path's GPU buffers after each of `rounds` rounds of training, reading and evaluating (`evaluations` times). */
export async function resourceCountsWhileTraining(model: MlpModelName, rounds = 10, stepsPerRound = 50, mnistUrl = '/data/mnist.bin'): Promise<ResourceCounts> {
  return subjectResourceCounts(await subjectOf(model, 'adam', mnistUrl), rounds, stepsPerRound);
}

export async function subjectResourceCounts({ config, dataset }: CheckSubject, rounds: number, stepsPerRound: number, evaluations = 1): Promise<ResourceCounts> {
  await useBackend('webgpu');
  const trainer = Trainer.create(config, dataset);
  const counts: ResourceCounts = { tensors: [], gpuBuffers: [] };
  try {
    // A small MLP moves to its faster kernel once compiled; count from there.
    await trainer.fastestKernel();
    for (let r = 0; r < rounds; r++) {
      await train(trainer, stepsPerRound);
      for (let e = 0; e < evaluations; e++) await trainer.evaluate();
      await trainer.predict(dataset.testX.subarray(0, dataset.inputShape.reduce((a, b) => a * b, 1) * 4));
      const captured = await trainer.captureState();
      tf.dispose(captured.tensors.map((t) => t.tensor));
      counts.tensors.push(tf.memory().numTensors);
      counts.gpuBuffers.push(FusedStep.liveBufferCount);
    }
  } finally {
    trainer.dispose();
  }
  return counts;
}

export interface InterruptedRound {
  /** Steps the round had queued when it ended. */
  steps: number;
  /** Steps a round would have queued had nothing waited. */
  stepsPerRead: number;
  /** Steps per submit on this path. */
  maxChunk: number;
  /** The step counter and the loss history agree once the round has read its losses back. */
  historyAgrees: boolean;
}

/**
 * A round of the app's training loop on the fused path, with a Save (or a Pause) waiting
 * from its start: it must end within two submits of steps, not after the pacer's whole
 * batch. The time slice is made endless so that only the GPU backlog can end it.
 */
export async function interruptedFusedRound(model: MlpModelName, mnistUrl = '/data/mnist.bin'): Promise<InterruptedRound> {
  await useBackend('webgpu');
  const config = configOf(model, 'adam');
  const dataset = await datasetOf(model, config, mnistUrl);
  const trainer = Trainer.create(config, dataset);
  try {
    await trainer.warmUp();
    await trainer.fastestKernel();
    const pacer = new ReadbackPacer();
    pacer.stepsPerRead = 1024;
    await trainOneRound(trainer, pacer, 0, { sliceMs: Infinity, endRound: () => true });
    return { steps: trainer.step, stepsPerRead: 1024, maxChunk: MAX_CHUNK, historyAgrees: trainer.lossHistory.length === trainer.step };
  } finally {
    trainer.dispose();
  }
}

/**
 * A small MLP's per-phase kernel against its one-workgroup kernel, step for step from the same
 * state: are the losses and the final state bit-identical? That is what lets a run start on
 * the per-phase kernel and move to the other once compiled (FusedUpgrade) without changing it.
 */
export async function phasesMatchSingle(model: MlpModelName, optimizer: OptimizerKind, steps = 200): Promise<{ losses: boolean; state: boolean; modes: string[] }> {
  await useBackend('webgpu');
  const config = configOf(model, optimizer);
  const dataset = await datasetOf(model, config, '/data/mnist.bin');
  const spec = modelSpecFor(config, dataset);
  if (spec.kind === 'cnn') throw new Error('The CNN has only a per-phase kernel.');
  const layout = mlpLayout(spec, optimizer, config.batchSize);
  const examples = dataset.trainY.length;
  const runs = [];
  for (const mode of ['single', 'phases'] as const) {
    const kernel = mlpKernel(layout, mode);
    const fused = new FusedStep(webgpuDevice(), kernel, dataset.trainX, targetRows(dataset.trainY, dataset.classes));
    try {
      await fused.ready();
      const P = kernel.packing.paramCount;
      fused.writeState(Float32Array.from({ length: P }, (_, i) => 0.3 * Math.sin(1.7 * i)));
      for (let s = 0; s < steps; s++) {
        const batch = Array.from({ length: config.batchSize }, (_, b) => (7 * s + 13 * b) % examples);
        fused.enqueue({ learningRate: config.learningRate, l2: config.l2, dropout: config.dropout, dropoutSeed: 100 + s, examples: batch });
      }
      runs.push({ mode: kernel.mode, losses: await fused.readLosses(), state: await fused.readState() });
    } finally {
      fused.dispose();
    }
  }
  return { losses: sameBits(runs[0].losses, runs[1].losses), state: sameBits(runs[0].state, runs[1].state), modes: runs.map((r) => r.mode) };
}
