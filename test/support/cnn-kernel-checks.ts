// In-page checks of the fused CNN step (src/lib/models/cnn-kernels/) with the checks of
// mlp-kernel-checks.ts. Its TensorFlow.js ops reference runs on the CPU backend (with the
// app's bit-identical CPU kernels), where the CNN trains ~10× faster than on tfjs's WebGPU
// here. To keep the tests short, runs take the first 800 training and 100 test digits and a
// batch of 8: 100 steps per epoch, so 200 steps cross an epoch boundary.
// test/browser/cnn-kernels.spec.ts (Chromium) and test/firefox/cnn-kernels.test.ts call them.
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type OptimizerKind, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { decodeMnist } from '../../src/lib/datasets/mnist.ts';
import type { Dataset } from '../../src/lib/datasets/types.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';
import { installFastCpuKernels } from '../../src/lib/models/cpu-kernels.ts';
import { forward } from '../../src/lib/models/forward.ts';
import {
  compareSubjectResumes,
  compareSubjectWithTfjsOps,
  subjectResourceCounts,
  subjectRunsAreIdentical,
  type CheckSubject,
  type PathComparison,
  type ResourceCounts,
  type ResumeComparison,
} from './mlp-kernel-checks.ts';

const TRAIN_EXAMPLES = 800;
const TEST_EXAMPLES = 100;
const BATCH = 8;

/**
 * Learning rates at which a run on a batch of 8 stays smooth. Faster ones make the run chaotic:
 * the float32 rounding in which tfjs and the kernel differ (1e-7 relative) then grows past 1e-4
 * (Adam at the app's 0.002 within 20 steps, momentum at 0.05 after 140, SGD at 0.05 after 140
 * in Chromium but not in Firefox, whose exp and log round differently).
 */
const LEARNING_RATES: Record<OptimizerKind, number> = { sgd: 0.02, momentum: 0.01, adam: 0.0005, rmsprop: 0.002 };

/** The digits CNN with dropout and L2 on, so every part of the kernel is exercised. */
export function cnnConfigOf(optimizer: OptimizerKind, batchSize = BATCH): TrainConfig {
  return { ...defaultConfig('digits'), model: 'cnn', optimizer, learningRate: LEARNING_RATES[optimizer], dropout: 0.2, l2: 0.001, batchSize };
}

let allDigits: Dataset | null = null;

/** The whole digits set: 8,000 training and 2,000 test digits. */
async function allDigitsOf(mnistUrl: string): Promise<Dataset> {
  if (!allDigits) {
    const response = await fetch(mnistUrl);
    if (!response.ok) throw new Error(`The digits asset could not be loaded (${response.status} for ${mnistUrl}); run \`npm run build:data\`.`);
    allDigits = buildDataset(cnnConfigOf('adam'), { mnist: decodeMnist(new Uint8Array(await response.arrayBuffer())) });
  }
  return allDigits;
}

/** The CNN config for `optimizer` on the small digits set (`testExamples` of them held out), with its CPU reference. */
export async function subjectOf(optimizer: OptimizerKind, mnistUrl: string, batchSize?: number, testExamples = TEST_EXAMPLES): Promise<CheckSubject> {
  const config = cnnConfigOf(optimizer, batchSize);
  const all = await allDigitsOf(mnistUrl);
  const pixels = all.inputShape.reduce((a, b) => a * b, 1);
  const digits = {
    inputShape: all.inputShape,
    classes: all.classes,
    trainX: all.trainX.subarray(0, TRAIN_EXAMPLES * pixels),
    trainY: all.trainY.subarray(0, TRAIN_EXAMPLES),
    testX: all.testX.subarray(0, testExamples * pixels),
    testY: all.testY.subarray(0, testExamples),
  };
  installFastCpuKernels();
  return { config, dataset: digits, reference: 'cpu' };
}

export async function compareWithTfjsOps(optimizer: OptimizerKind, steps = 200, mnistUrl = '/data/mnist.bin'): Promise<PathComparison> {
  return compareSubjectWithTfjsOps(await subjectOf(optimizer, mnistUrl), steps);
}

export async function fusedRunsAreIdentical(optimizer: OptimizerKind, steps = 100, mnistUrl = '/data/mnist.bin'): Promise<boolean> {
  return subjectRunsAreIdentical(await subjectOf(optimizer, mnistUrl), steps);
}

export async function compareResumes(optimizer: OptimizerKind, at = 50, steps = 100, mnistUrl = '/data/mnist.bin'): Promise<ResumeComparison> {
  return compareSubjectResumes(await subjectOf(optimizer, mnistUrl), at, steps);
}

export interface EvaluationComparison {
  kernelPath: string;
  /** Test examples evaluated. */
  rows: number;
  /** TensorFlow.js kernels that the fused path's evaluate() ran (tf.profile): none, where the CNN is evaluated in our kernels. */
  tfjsKernels: number;
  /** |fused − tfjs ops on the CPU| / |tfjs ops| of the test loss, from the same weights. */
  loss: number;
  accuracy: { fused: number; tfjs: number };
  /** Test examples whose predicted class differs between the two. */
  differentPredictions: number;
  /** A second fused evaluation of the same weights gives the same bits. */
  repeatIsIdentical: boolean;
}

/**
 * Trains the CNN fused for `steps` steps, then evaluates `testExamples` test digits (by
 * default all 2,000: several batches of the fused evaluation, the last one partial) on the
 * fused path and with TensorFlow.js ops on the CPU, from the same weights.
 */
export async function compareEvaluations(steps = 100, testExamples = 2000, mnistUrl = '/data/mnist.bin'): Promise<EvaluationComparison> {
  const { config, dataset } = await subjectOf('adam', mnistUrl, undefined, testExamples);
  if (!(await tf.setBackend('webgpu'))) throw new Error('The webgpu backend did not initialise; the test browser needs WebGPU.');
  const fused = Trainer.create(config, dataset);
  let weights: Float32Array[];
  let first: Awaited<ReturnType<Trainer['evaluate']>> | undefined;
  let second: typeof first;
  let tfjsKernels = 0;
  try {
    for (let i = 0; i < steps; i++) fused.trainStep();
    await fused.readLosses();
    const profile = await tf.profile(async () => {
      first = await fused.evaluate();
    });
    tfjsKernels = profile.kernels.length;
    second = await fused.evaluate();
    weights = await Promise.all(fused.params.map((p) => p.data() as Promise<Float32Array>));
  } finally {
    fused.dispose();
  }
  await tf.setBackend('cpu');
  const reference = Trainer.create(config, dataset, weights, { kernels: 'tfjs' });
  let stock;
  try {
    stock = await reference.evaluate();
  } finally {
    reference.dispose();
    await tf.setBackend('webgpu');
  }
  const [a, b] = [first!.predicted!, stock.predicted!];
  return {
    kernelPath: fused.kernelPath.kind,
    rows: a.length,
    tfjsKernels,
    loss: Math.abs(first!.evaluation.testLoss - stock.evaluation.testLoss) / Math.abs(stock.evaluation.testLoss),
    accuracy: { fused: first!.evaluation.testAccuracy!, tfjs: stock.evaluation.testAccuracy! },
    differentPredictions: a.filter((p, i) => p !== b[i]).length,
    repeatIsIdentical: second!.evaluation.testLoss === first!.evaluation.testLoss && second!.predicted!.every((p, i) => p === a[i]),
  };
}

/** See subjectResourceCounts; each round evaluates `evaluations` times, the fused evaluation's buffers counted with the step's. */
export async function resourceCountsWhileTraining(rounds = 10, stepsPerRound = 50, evaluations = 3, mnistUrl = '/data/mnist.bin'): Promise<ResourceCounts> {
  return subjectResourceCounts(await subjectOf('adam', mnistUrl), rounds, stepsPerRound, evaluations);
}

/** Steps per second of the Trainer on `backend` (fused on WebGPU unless kernels is 'tfjs'), after `warmUp` untimed steps. */
export async function stepsPerSecond(backend: 'webgpu' | 'cpu', steps: number, options: { batchSize?: number; kernels?: 'auto' | 'tfjs'; warmUp?: number; mnistUrl?: string } = {}): Promise<number> {
  const subject = await subjectOf('adam', options.mnistUrl ?? '/data/mnist.bin', options.batchSize ?? 64);
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not initialise.`);
  const trainer = Trainer.create({ ...subject.config, dropout: 0, l2: 0 }, subject.dataset, undefined, { kernels: options.kernels ?? 'auto' });
  try {
    for (let i = 0; i < (options.warmUp ?? 2); i++) trainer.trainStep();
    await trainer.readLosses();
    const start = performance.now();
    for (let i = 0; i < steps; i++) trainer.trainStep();
    await trainer.readLosses();
    return (steps * 1000) / (performance.now() - start);
  } finally {
    trainer.dispose();
  }
}


export interface EvaluationTimings {
  kernelPath: string;
  /** Trainer.warmUp() (skipped on the CPU, as the app skips it there). */
  warmUpMs: number;
  firstEvaluateMs: number;
  /** Median of three evaluations after a few steps. */
  evaluateMs: number;
  /**
   * On the fused path, the same evaluation with tfjs's ops on this backend, as evaluate() ran
   * it before the CNN's was fused: the first call (which compiles tfjs's pipelines, as warmUp()
   * did) and the median of three more.
   */
  tfjsOps?: { firstMs: number; ms: number };
}

const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** How long a run's start (warm-up, first evaluation) and later evaluations of the 2,000 test digits take on `backend`. */
export async function evaluationTimings(backend: 'webgpu' | 'cpu', kernels: 'auto' | 'tfjs' = 'auto', mnistUrl = '/data/mnist.bin'): Promise<EvaluationTimings> {
  const config = { ...defaultConfig('digits'), model: 'cnn' as const };
  const dataset = await allDigitsOf(mnistUrl);
  installFastCpuKernels();
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not initialise.`);
  const trainer = Trainer.create(config, dataset, undefined, { kernels });
  const timed = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  try {
    const warmUpMs = backend === 'cpu' ? 0 : await timed(() => trainer.warmUp());
    const firstEvaluateMs = await timed(() => trainer.evaluate());
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (let s = 0; s < 5; s++) trainer.trainStep();
      await trainer.readLosses();
      times.push(await timed(() => trainer.evaluate()));
    }
    const result: EvaluationTimings = { kernelPath: trainer.kernelPath.kind, warmUpMs, firstEvaluateMs, evaluateMs: medianOf(times) };
    if (trainer.kernelPath.kind === 'fused') {
      const testX = tf.tensor(dataset.testX, [dataset.testY.length, ...dataset.inputShape]);
      const testY = tf.oneHot(tf.tensor1d(Int32Array.from(dataset.testY), 'int32'), dataset.classes).toFloat();
      const tfjsEvaluate = () =>
        timed(async () => {
          const [loss, out] = tf.tidy(() => {
            const logits = forward(trainer.spec, trainer.params, testX);
            return [tf.losses.softmaxCrossEntropy(testY, logits), logits];
          });
          await Promise.all([loss.data(), out.data()]);
          tf.dispose([loss, out]);
        });
      const firstMs = await tfjsEvaluate();
      const tfjsTimes = [await tfjsEvaluate(), await tfjsEvaluate(), await tfjsEvaluate()];
      tf.dispose([testX, testY]);
      result.tfjsOps = { firstMs, ms: medianOf(tfjsTimes) };
    }
    return result;
  } finally {
    trainer.dispose();
  }
}

/** The TensorFlow.js kernels a fused CNN run's start (Trainer.create, warmUp(), the first evaluate()) runs, by name. */
export async function tfjsKernelsAtStart(mnistUrl = '/data/mnist.bin'): Promise<string[]> {
  const config = { ...defaultConfig('digits'), model: 'cnn' as const };
  const dataset = await allDigitsOf(mnistUrl);
  if (!(await tf.setBackend('webgpu'))) throw new Error('The webgpu backend did not initialise; the test browser needs WebGPU.');
  let trainer: Trainer | null = null;
  try {
    const profile = await tf.profile(async () => {
      trainer = Trainer.create(config, dataset);
      await trainer.warmUp();
      await trainer.evaluate();
    });
    return profile.kernels.map((k) => k.name);
  } finally {
    (trainer as Trainer | null)?.dispose();
  }
}
