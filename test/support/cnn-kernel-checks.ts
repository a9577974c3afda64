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

let digits: Dataset | null = null;

/** The CNN config for `optimizer` on the small digits set, with its CPU reference. */
export async function subjectOf(optimizer: OptimizerKind, mnistUrl: string, batchSize?: number): Promise<CheckSubject> {
  const config = cnnConfigOf(optimizer, batchSize);
  if (!digits) {
    const response = await fetch(mnistUrl);
    if (!response.ok) throw new Error(`The digits asset could not be loaded (${response.status} for ${mnistUrl}); run \`npm run build:data\`.`);
    const all = buildDataset(config, { mnist: decodeMnist(new Uint8Array(await response.arrayBuffer())) });
    const pixels = all.inputShape.reduce((a, b) => a * b, 1);
    digits = {
      inputShape: all.inputShape,
      classes: all.classes,
      trainX: all.trainX.slice(0, TRAIN_EXAMPLES * pixels),
      trainY: all.trainY.slice(0, TRAIN_EXAMPLES),
      testX: all.testX.slice(0, TEST_EXAMPLES * pixels),
      testY: all.testY.slice(0, TEST_EXAMPLES),
    };
  }
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

export async function resourceCountsWhileTraining(rounds = 10, stepsPerRound = 50, mnistUrl = '/data/mnist.bin'): Promise<ResourceCounts> {
  return subjectResourceCounts(await subjectOf('adam', mnistUrl), rounds, stepsPerRound);
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

